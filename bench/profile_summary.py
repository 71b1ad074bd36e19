"""Summarise a py-spy `--format raw` profile (collapsed stacks): where the server's time goes.

python -m bench.profile_summary /tmp/profiles/ours/100-s.txt [--top 40] [--match telephony]
"""

import argparse
import re
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def read(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            stacks.append((stack.split(";"), int(count)))
    return stacks


def label(frame: str) -> str:
    found = FRAME.match(frame)
    if not found:
        return frame
    file = found["file"].split("site-packages/")[-1].split("/work/main/")[-1]
    return f"{found['func']} ({file})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path", type=Path)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--match", default="", help="only functions whose label contains this")
    args = parser.parse_args()
    stacks = read(args.path)
    total = sum(count for _, count in stacks)
    inclusive, own = Counter(), Counter()
    threads = Counter()
    for frames, count in stacks:
        threads[frames[0]] += count
        seen = set()
        for frame in frames:
            name = label(frame)
            if name not in seen:
                inclusive[name] += count
                seen.add(name)
        own[label(frames[-1])] += count
    print(f"{total} samples")
    print("\n-- by thread")
    for name, count in threads.most_common(10):
        print(f"{100 * count / total:6.1f}%  {name[:150]}")
    for title, table in (("inclusive", inclusive), ("self", own)):
        print(f"\n-- {title}")
        rows = [(n, c) for n, c in table.most_common() if args.match in n][: args.top]
        for name, count in rows:
            print(f"{100 * count / total:6.1f}%  {name[:150]}")


if __name__ == "__main__":
    main()
