"""scikit-learn's reference learners on weir's own model rows, with weir's own folds.

Reads a CSV written by detection.bench.ts (fold, label, then the model row's columns), fits
logistic regression, a random forest and histogram gradient boosting fold by fold, and prints
one JSON object per learner: its out-of-fold scores. The bench computes every figure from the
scores, the same way for weir and for these.
"""
import csv
import json
import sys

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def learners(seed):
    return {
        "sklearn logistic regression": make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)),
        "sklearn random forest": RandomForestClassifier(n_estimators=300, random_state=seed, n_jobs=1),
        "sklearn hist gradient boosting": HistGradientBoostingClassifier(random_state=seed),
    }


def main(path):
    with open(path, newline="") as f:
        reader = csv.reader(f)
        next(reader)
        rows = list(reader)
    folds = np.array([int(r[0]) for r in rows])
    y = np.array([int(r[1]) for r in rows])
    x = np.array([[float(v) for v in r[2:]] for r in rows])
    x = np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0)
    for name in learners(0):
        scores = np.zeros(len(y))
        for k in sorted(set(folds)):
            model = learners(k)[name]
            train, test = folds != k, folds == k
            model.fit(x[train], y[train])
            scores[test] = model.predict_proba(x[test])[:, 1]
        print(json.dumps({"learner": name, "scores": scores.tolist()}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
