#!/usr/bin/env python3
"""Build the packaging benchmark corpus, deterministically (same bytes on every machine).

Mix: ~2,600 small text-like files (source, config, logs), ~500 small random binaries, 60 medium
text files, a few large text files, a large random file and "already compressed" files (.png,
.gz, random content), spread over nested folders. Total > 100 MB and > 3,000 files.
Usage: make_corpus.py DIR
"""
import os
import random
import sys

VERSION = "3"  # bump when the corpus changes, so run.sh rebuilds it


def words(rng):
    base = ("the quick brown fox jumps over lazy dog deploy release package build version server "
            "client request response error warning info debug config value name id path file data "
            "function return const let var if else for while match struct impl trait pub fn use "
            "mod self Some None Ok Err String Vec HashMap async await import export class def "
            "GET POST PUT 200 404 500 user session token cache index html json yaml toml").split()
    extra = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 10))) for _ in range(3000)]
    return base * 20 + extra


def text(rng, vocab, size):
    out = []
    total = 0
    while total < size:
        line = " ".join(rng.choices(vocab, k=rng.randint(4, 14)))
        if rng.random() < 0.3:
            line = f"{rng.randint(0, 99999):05d} {line} {rng.random():.6f}"
        out.append(line)
        total += len(line) + 1
    return ("\n".join(out) + "\n").encode()[:size]


def main():
    root = sys.argv[1]
    stamp = os.path.join(root, ".corpus-version")
    if os.path.exists(stamp) and open(stamp).read() == VERSION:
        return
    rng = random.Random(20261122)
    vocab = words(rng)
    total = count = 0

    def put(rel, data):
        nonlocal total, count
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        total += len(data)
        count += 1

    exts = ["rs", "js", "ts", "json", "toml", "yaml", "md", "html", "css", "txt", "xml", "cs"]
    for i in range(2600):
        folder = f"src/mod{i % 40:02d}/sub{i % 7}"
        put(f"{folder}/file{i:04d}.{exts[i % len(exts)]}", text(rng, vocab, rng.randint(500, 16000)))
    for i in range(500):
        put(f"assets/bin{i % 10}/blob{i:03d}.dat", rng.randbytes(rng.randint(200, 40000)))
    for i in range(60):
        put(f"docs/chapter{i:02d}.txt", text(rng, vocab, rng.randint(100_000, 900_000)))
    for i in range(3):
        put(f"logs/app{i}.log", text(rng, vocab, 12_000_000))
    put("data/archive.bin", rng.randbytes(16_000_000))
    for i in range(20):
        put(f"public/img/photo{i:02d}.png", rng.randbytes(rng.randint(50_000, 400_000)))
    put("vendor/deps.tar.gz", rng.randbytes(3_000_000))
    os.makedirs(os.path.join(root, "empty/folder"), exist_ok=True)
    with open(stamp, "w") as f:
        f.write(VERSION)
    print(f"corpus: {count} files, {total / 1e6:.1f} MB in {root}", file=sys.stderr)


main()
