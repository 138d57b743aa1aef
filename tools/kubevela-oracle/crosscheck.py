#!/usr/bin/env python3
# Cross-check of the two oracles: objects in conformance/dry-run (KubeVela's real dry-run) against
# the final output/patchedOutput/outputs recorded in conformance/cue. Run from the repo root.
import json, yaml, glob, os
finals = []
for f in glob.glob('conformance/cue/*/*/*.golden.json'):
    kind = f.split('/')[2]
    d = json.loads(open(f).read())
    for k in ('output', 'patchedOutput'):
        if k in d: finals.append((f, k, d[k]))
def key(o):
    return json.dumps({'apiVersion': o.get('apiVersion'), 'kind': o.get('kind'), 'spec': o.get('spec')}, sort_keys=True)
have = {}
for f, k, o in finals:
    if isinstance(o, dict): have.setdefault(key(o), []).append((f, k))
tot = ok = 0; miss = []
for f in sorted(glob.glob('conformance/dry-run/def-doc-*.yaml')):
    txt = open(f).read()
    blocks = txt.split('# Application(')
    for b in blocks[1:]:
        docs = [d for d in b.split('\n---\n') if d.strip() and not d.startswith(' ') ]
        # first yaml doc after the header is the workload
        parts = b.split('---\n\n', 1)
        if len(parts) < 2: continue
        wl = parts[1].split('\n---\n')[0]
        try: o = yaml.safe_load(wl)
        except Exception as e: continue
        if not isinstance(o, dict) or 'spec' not in o: continue
        tot += 1
        if key(o) in have: ok += 1
        else: miss.append((f, b.split(')')[0]))
print(ok, '/', tot)
for m in miss[:15]: print(m)
# auxiliary objects
aux = {}
for f in glob.glob('conformance/cue/*/*/*.golden.json'):
    d = json.loads(open(f).read())
    for name, o in d.get('outputs', []):
        if isinstance(o, dict):
            aux.setdefault(json.dumps({'kind': o.get('kind'), 'spec': o.get('spec'), 'data': o.get('data')}, sort_keys=True), f)
tot = ok = 0; miss = []
for f in sorted(glob.glob('conformance/dry-run/def-doc-*.yaml')):
    for chunk in open(f).read().split('## From the ')[1:]:
        body = chunk.split('\n', 1)[1].split('\n---\n')[0]
        o = yaml.safe_load(body)
        if not isinstance(o, dict): continue
        tot += 1
        k = json.dumps({'kind': o.get('kind'), 'spec': o.get('spec'), 'data': o.get('data')}, sort_keys=True)
        if k in aux: ok += 1
        else: miss.append((f, o.get('kind')))
print('aux', ok, '/', tot)
for m in miss[:10]: print(m)
