"""Benchmark corpus vocabulary: real English words, roughly most common first (for Zipf weights)."""

from __future__ import annotations


def words_of(text: str) -> tuple[str, ...]:
    """The whitespace-separated words of a text block."""
    return tuple(text.split())


FUNCTION_WORDS = words_of("""
the of and to a in is that it for as with was on be by this are or from at an not have but
which can we all their one has more when if will there so its they what also than these into
then only other some our how each about been most may very such both would could many where
because while should over just through same those any after first before between every does
""")

CONTENT_WORDS = words_of("""
model data training loss value function result example step learning network layer weight
gradient feature label batch epoch rate error test set time number point problem method way
approach idea question answer reason case part work code line file output input matrix vector
space dimension sample distribution probability mean variance noise signal pattern structure
system process version change difference effect performance accuracy metric score baseline
experiment run trial parameter hyperparameter optimizer schedule update term sum product
average estimate prediction target class category cluster center distance similarity kernel
tree forest node split depth leaf boosting ensemble regression classifier decision boundary
margin support linear logistic neural convolution attention transformer token sequence
embedding encoder decoder head block residual normalization dropout activation unit neuron
pixel image channel filter stride padding pooling window frame audio text word sentence
corpus vocabulary language translation summary search index query document ranking graph
edge vertex path cycle walk reward policy agent action state environment episode return
discount exploration memory buffer queue cache disk network server request response latency
throughput deployment pipeline service container cluster monitor alert drift shift skew
fairness bias robustness calibration uncertainty interval confidence hypothesis evidence
theory proof lemma theorem assumption constraint objective regularization penalty prior
posterior likelihood evidence sampling chain proposal acceptance temperature energy entropy
information divergence measure norm projection basis eigenvalue decomposition rank inverse
determinant trace identity derivative integral limit series sequence convergence bound
notebook cell plot figure chart axis legend color table column row frame record field
library package module import environment version release bug fix issue commit branch merge
review refactor design interface contract boundary abstraction detail habit lesson mistake
week month year morning evening weekend journey path road chapter story note draft blog
reader author teacher student course book paper lecture slide exercise homework project
friend colleague team manager user customer product feature launch budget cost hardware
laptop machine processor core thread process memory storage bandwidth speed scale size
""")

VERBS = words_of("""
train test fit predict compute estimate measure compare plot print load save read write
build run check explain learn understand notice discover remember forget try fail succeed
improve reduce increase decrease normalize scale split shuffle sample average sum count
sort filter map group join merge update apply tune search evaluate validate deploy monitor
debug profile optimize simplify rewrite refactor document publish share discuss argue show
prove derive assume suppose expect observe find choose pick follow ignore avoid handle
""")

ADJECTIVES = words_of("""
simple small large big tiny huge fast slow quick careful rough clean noisy sparse dense
linear nonlinear convex smooth stable unstable robust fragile random fixed final initial
early late recent old new modern classic naive clever obvious subtle hidden visible useful
useless important minor major common rare typical strange surprising boring interesting
good bad better worse best worst easy hard difficult tricky honest practical theoretical
empirical statistical numerical careful lazy eager deep shallow wide narrow high low
""")

ADVERBS = words_of("""
quickly slowly carefully roughly exactly nearly almost often rarely usually always never
sometimes finally eventually immediately simply clearly surprisingly honestly probably
""")

NAMES = words_of("""
numpy pandas scipy sklearn torch matplotlib jupyter papermill pytest docker kubernetes
git python adam sgd relu softmax mnist cifar imagenet bert resnet xgboost lightgbm
""")
