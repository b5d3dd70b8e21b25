#!/usr/bin/env python3
"""Lists import cycles between the modules of src/ (one module per file), and exits 1 if
there is any: the layers only point down (see ARCHITECTURE.md).

    python3 bench/cycles.py [SRC]

A module's imports are the `crate::a::b` paths it names anywhere (use lines and inline
paths) and its `super::` paths, resolved to the deepest module file that exists; a module
is not counted as importing its own submodules (`mod x;` declares, it does not depend), nor
its parent's re-exports. Test modules (`#[cfg(test)] mod tests { ... }` to the end of the
file) are left out: tests may reach anywhere.
"""
import os
import re
import sys

SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "src")
PATH = re.compile(r"\b(crate|super)((?:::[A-Za-z_][A-Za-z0-9_]*)+)")
GROUP = re.compile(r"\b(crate|super)((?:::[A-Za-z_][A-Za-z0-9_]*)*)::\{([^}]*)\}", re.S)


def modules(src):
    """Module path (tuple) -> file, for every .rs file under src (main.rs and lib.rs are roots)."""
    out = {}
    for root, _, files in os.walk(src):
        for f in files:
            if not f.endswith(".rs"):
                continue
            rel = os.path.relpath(os.path.join(root, f), src)[:-3].split(os.sep)
            if rel[-1] == "mod":
                rel = rel[:-1]
            if rel in (["lib"], ["main"]):
                rel = []
            out.setdefault(tuple(rel), os.path.join(root, f))
    return out


def body(path):
    text = open(path, encoding="utf-8").read()
    cut = re.search(r"#\[cfg\(test\)\]\s*mod\s+\w+\s*\{", text)
    text = text[: cut.start()] if cut else text
    # Comments and strings name paths that are not imports: both taken out in one left-to-
    # right pass, so a `//` inside a string ("http://") is not a comment, and a string
    # that runs over lines (a `\` continuation) is blanked whole.
    token = re.compile(r'"(?:\\.|[^"\\])*"|//[^\n]*', re.S)
    return token.sub(lambda m: '""' if m.group(0).startswith('"') else "", text)


def resolve(parts, mods):
    """The deepest existing module named by a path."""
    for k in range(len(parts), 0, -1):
        if tuple(parts[:k]) in mods:
            return tuple(parts[:k])
    return None


def imports(mod, text, mods):
    out = set()
    paths = []
    for m in GROUP.finditer(text):
        base = [p for p in m.group(2).split("::") if p]
        for item in m.group(3).split(","):
            item = item.strip().split(" as ")[0].strip()
            if item and item != "self":
                paths.append((m.group(1), base + [p for p in item.split("::") if p]))
            elif item == "self":
                paths.append((m.group(1), base))
    for m in PATH.finditer(text):
        paths.append((m.group(1), [p for p in m.group(2).split("::") if p]))
    for kind, parts in paths:
        if kind == "crate":
            full = parts
        else:
            # `super` from a file module is its parent (mod.rs files are their own module).
            full = list(mod[:-1]) + parts
        target = resolve(full, mods)
        if target is None or target == mod or target == ():
            continue
        # A parent naming its own submodule declares it; a child naming its parent's
        # re-export of a sibling is resolved to the sibling above.
        if target[: len(mod)] == mod:
            continue
        out.add(target)
    return out


def cycles(graph):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main():
    mods = modules(SRC)
    graph = {m: imports(m, body(f), mods) for m, f in mods.items()}
    # Parents import their children through `mod` lines: a child pointing at its parent's
    # own items (not a re-export) would be a cycle; the resolution above already maps
    # re-exports to the sibling that defines them only when the path names it, so name
    # the parent's items honestly.
    found = cycles(graph)
    name = lambda m: "::".join(m) or "crate"
    for comp in found:
        members = set(comp)
        edges = [f"{name(a)} -> {name(b)}" for a in comp for b in sorted(graph[a]) if b in members]
        print("cycle:", ", ".join(name(m) for m in comp))
        for e in edges:
            print("   ", e)
    if found:
        sys.exit(1)
    print(f"no import cycle among {len(mods)} modules")


if __name__ == "__main__":
    main()
