#!/usr/bin/env python3
"""OTLP/HTTP JSON load for benches/vs_rotel_gateway.sh: bodies of PER Codex log records (the
records of a real capture, spread over distinct conversation ids), POSTed for SECS seconds over
2 keep-alive connections to 127.0.0.1:PORT/v1/logs. Prints records/s accepted and the request
latency p50/p99 as one JSON line. Standard library only.

Usage: otlp_load.py CAPTURE.json PORT SECS PER
"""
import json, sys, time, threading, http.client, copy
src = json.load(open(sys.argv[1])); port = int(sys.argv[2]); secs = float(sys.argv[3]); per = int(sys.argv[4])
recs = [r for rl in src['resourceLogs'] for sl in rl['scopeLogs'] for r in sl['logRecords']]
res = src['resourceLogs'][0]['resource']; scope = src['resourceLogs'][0]['scopeLogs'][0]['scope']
bodies = []
for b in range(8):
    out = []
    k = 0
    while len(out) < per:
        conv = f"01a2{b:04x}-0000-7000-8000-{k:012x}"; k += 1
        for r in recs:
            r2 = copy.deepcopy(r)
            for a in r2['attributes']:
                if a['key'] == 'conversation.id': a['value'] = {'stringValue': conv}
            out.append(r2)
    body = {'resourceLogs': [{'resource': res, 'scopeLogs': [{'scope': scope, 'logRecords': out[:per]}]}]}
    bodies.append(json.dumps(body).encode())
lat = []; n = [0]; codes = {}
def run(i):
    c = http.client.HTTPConnection('127.0.0.1', port)
    end = time.time() + secs; j = i
    while time.time() < end:
        t = time.perf_counter()
        c.request('POST', '/v1/logs', bodies[j % 8], {'content-type': 'application/json'}); j += 1
        r = c.getresponse(); r.read()
        lat.append(time.perf_counter() - t); codes[r.status] = codes.get(r.status, 0) + 1
        if r.status == 200: n[0] += per
        else: time.sleep(0.05)
ts = [threading.Thread(target=run, args=(i,)) for i in range(2)]
t0 = time.time(); [t.start() for t in ts]; [t.join() for t in ts]; el = time.time() - t0
lat.sort()
print(json.dumps({'records_per_s': round(n[0] / el), 'requests': len(lat), 'codes': codes,
  'p50_ms': round(lat[len(lat)//2]*1000, 2), 'p99_ms': round(lat[int(len(lat)*0.99)]*1000, 2)}))
