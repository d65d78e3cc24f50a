#!/usr/bin/env python3
"""Copies each #region of tests/PgTenancy.Docs.Tests/Snippets/*.cs into the ```csharp block under its
<!-- snippet: name --> marker in the READMEs (repository, src/, samples/) and docs/*.md. DocsSnippetTests fails when they differ."""
import glob, os, re, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
regions = {}
for path in glob.glob(os.path.join(root, 'tests', 'PgTenancy.Docs.Tests', 'Snippets', '*.cs')):
    lines = open(path, encoding='utf-8').read().split('\n')
    i = 0
    while i < len(lines):
        m = re.match(r'^\s*#region ([a-z0-9-]+)\s*$', lines[i])
        if m:
            end = next(j for j in range(i + 1, len(lines)) if lines[j].strip() == '#endregion')
            body = lines[i + 1:end]
            indent = min(len(l) - len(l.lstrip()) for l in body if l.strip())
            regions[m.group(1)] = [l[indent:].rstrip() if len(l) >= indent else l.strip() for l in body]
            i = end
        i += 1

missing = []
for path in ([os.path.join(root, 'README.md'), os.path.join(root, 'src', 'README.md')] + sorted(glob.glob(os.path.join(root, 'docs', '*.md')))
             + sorted(glob.glob(os.path.join(root, 'samples', '**', 'README.md'), recursive=True))):
    lines = open(path, encoding='utf-8').read().split('\n')
    out, i = [], 0
    while i < len(lines):
        out.append(lines[i])
        m = re.match(r'^\s*<!-- snippet: ([a-z0-9-]+) -->\s*$', lines[i])
        if m and i + 1 < len(lines) and lines[i + 1].strip() == '```csharp':
            name = m.group(1)
            end = next(j for j in range(i + 2, len(lines)) if lines[j].strip() == '```')
            if name in regions:
                out += ['```csharp'] + regions[name] + ['```']
            else:
                missing.append(f'{os.path.relpath(path, root)}: no region named {name}')
                out += lines[i + 1:end + 1]
            i = end
        i += 1
    open(path, 'w', encoding='utf-8').write('\n'.join(out))

for problem in missing:
    print(problem, file=sys.stderr)
sys.exit(1 if missing else 0)
