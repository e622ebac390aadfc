"""Reference ROC AUC values for test/learning/evaluate.test.ts (rocAuc), computed by scikit-learn.

Run: python3 test/learning/make_auc_reference.py > test/learning/auc-reference.json
Cases: seeded random scores (some rounded to one decimal, so many ties) and labels whose rate
depends on the score (so the AUC is away from 0.5).
"""
import json

import numpy as np
from sklearn.metrics import roc_auc_score

rng = np.random.default_rng(13)
cases = []
for n, decimals, strength in [(50, None, 1.0), (200, 1, 2.0), (500, 2, 0.5), (300, 0, 3.0), (1000, None, 0.0)]:
    scores = rng.random(n)
    if decimals is not None:
        scores = np.round(scores, decimals)
    p = 1 / (1 + np.exp(-(strength * (scores - 0.5) * 4 - 1)))
    labels = rng.random(n) < p
    cases.append({"scores": [float(s) for s in scores], "labels": [bool(l) for l in labels], "auc": float(roc_auc_score(labels, scores))})
print(json.dumps({"generator": "make_auc_reference.py (numpy seed 13, sklearn.metrics.roc_auc_score)", "cases": cases}))
