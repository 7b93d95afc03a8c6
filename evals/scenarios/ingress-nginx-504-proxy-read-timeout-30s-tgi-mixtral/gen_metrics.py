#!/usr/bin/env python3
"""Regenerate metrics/*.om and the ingress-nginx controller log for this scenario.

Usage:  python3 gen_metrics.py            (writes next to this file)

Deterministic (seeded).  Timeline (must agree with cluster/*.yaml):
  2026-12-01 15:22Z  Ingress textgen/tgi-mixtral replaces the old mixtral-legacy Ingress; it was
             created from the team's web-app template and carries
             nginx.ingress.kubernetes.io/proxy-read-timeout: "30" (the old one had 600).
             Daytime traffic is streamed (/generate_stream: tokens arrive continuously), so the
             30 s read timeout never fires.
  03:15:00Z  CronJob support-batch/ticket-summarizer starts the nightly run: non-streaming
             POST /generate with max_new_tokens 1024 and 4 workers.  TGI needs 35-110 s for most of
             them; nginx gives up after 30 s without a response header:
             "upstream timed out (110: Connection timed out) while reading response header from
             upstream" and answers 504 (request_time ~30.0).  The job retries each ticket twice.
Samples every 15 s from now-3600 to now inclusive.
"""
import datetime as dt
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
STEP = 15


def epoch(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


T1 = int(epoch("2026-12-02T03:40:00Z"))
T0 = T1 - 3600
BATCH = epoch("2026-12-02T03:15:03.2Z")
READ_TIMEOUT = 30.0
CTRL_POD, CTRL_IP = "ingress-nginx-controller-7d9c6b5f48-kw2lz", "10.42.1.34"
TGI = {"tgi-mixtral-6c8f7d9b54-mq4zd": "10.42.5.23", "tgi-mixtral-6c8f7d9b54-t9vxc": "10.42.6.17"}
JOB_POD_IP = "10.42.2.88"
LOG_FROM = T1 - 420
TPT = 0.047   # seconds per generated token under the nightly batch load


def simulate():
    rng = random.Random(20261202)
    out = []
    # a trickle of interactive streaming traffic at night
    t = T0 - 300.0
    while True:
        t += rng.expovariate(1.6 / 60)
        if t >= T1:
            break
        gen = rng.randint(60, 700)
        pod = rng.choice(list(TGI))
        d = rng.uniform(0.2, 0.6) + gen * 0.032
        out.append(dict(start=t, end=t + d, dur=d, client="assist-web", path="/generate_stream", ua="Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
                        src=f"10.80.{rng.randint(1, 30)}.{rng.randint(2, 250)}", code=200, pod=pod, upstream=TGI[pod] + ":80", gen=gen,
                        rx=rng.randint(900, 6000), tx=gen * 150 + 200, rid="".join(rng.choice("0123456789abcdef") for _ in range(32)), ttfh=0.3))
    # nightly batch: 4 workers, each ticket up to 3 attempts
    for w in range(4):
        t = BATCH + w * 0.7
        while t < T1:
            gen = int(min(1024, max(180, rng.gauss(900, 260))))
            prompt = rng.randint(1500, 5500)
            for attempt in range(3):
                pod = rng.choice(list(TGI))
                need = prompt / 2600 + gen * TPT + rng.uniform(0.1, 0.8)
                r = dict(start=t, client="ticket-summarizer", path="/generate", ua="python-requests/2.32.3", src=JOB_POD_IP, pod=pod,
                         upstream=TGI[pod] + ":80", gen=gen, prompt=prompt, rx=600 + prompt * 4, attempt=attempt,
                         rid="".join(rng.choice("0123456789abcdef") for _ in range(32)))
                if need <= READ_TIMEOUT:
                    r.update(code=200, dur=need, tx=gen * 4 + 310, ttfh=need)
                    r["end"] = t + need
                    out.append(r)
                    t = r["end"] + rng.uniform(0.05, 0.4)
                    break
                r.update(code=504, dur=READ_TIMEOUT + rng.uniform(0.0005, 0.004), tx=160, need=need)
                r["end"] = t + r["dur"]
                out.append(r)
                t = r["end"] + (2.0 * (attempt + 1))
            else:
                t += 0.2
    out.sort(key=lambda r: r["start"])
    return out


REQS = simulate()


def stamp(t):
    whole = int(t)
    return dt.datetime.fromtimestamp(whole, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + "." + f"{t - whole:.9f}"[2:] + "Z"


def controller_log():
    lines = []
    for r in REQS:
        te = r["end"]
        if not (LOG_FROM <= te < T1):
            continue
        req = f'POST {r["path"]} HTTP/1.1'
        tl = dt.datetime.fromtimestamp(te, dt.timezone.utc).strftime("%d/%b/%Y:%H:%M:%S +0000")
        if r["code"] == 504:
            et = dt.datetime.fromtimestamp(te, dt.timezone.utc).strftime("%Y/%m/%d %H:%M:%S")
            lines.append((te - 0.0002, f'{et} [error] {29 + int(te) % 4}#{29 + int(te) % 4}: *{int(te * 11) % 9000000} upstream timed out (110: Connection timed out) while reading response header from upstream, '
                                       f'client: {r["src"]}, server: mixtral.textgen.lan, request: "{req}", upstream: "http://{r["upstream"]}{r["path"]}", host: "mixtral.textgen.lan"'))
            lines.append((te, f'{r["src"]} - - [{tl}] "{req}" 504 {r["tx"]} "-" "{r["ua"]}" {r["rx"]} {r["dur"]:.3f} [textgen-tgi-mixtral-80] [] '
                              f'{r["upstream"]} 0 {r["dur"] - 0.001:.3f} 504 {r["rid"]}'))
        else:
            lines.append((te, f'{r["src"]} - - [{tl}] "{req}" 200 {r["tx"]} "-" "{r["ua"]}" {r["rx"]} {r["dur"]:.3f} [textgen-tgi-mixtral-80] [] '
                              f'{r["upstream"]} {r["tx"]} {r["dur"] - 0.001:.3f} 200 {r["rid"]}'))
    lines.sort()
    return "\n".join(f"{stamp(t)} {s}" for t, s in lines) + "\n"


def samples():
    return range(T0, T1 + 1, STEP)


def lbl(d):
    return "{" + ",".join(f'{k}="{v}"' for k, v in sorted(d.items())) + "}"


class OM:
    def __init__(self):
        self.out = []

    def family(self, name, typ, help_=None):
        if help_:
            self.out.append(f"# HELP {name} {help_}")
        self.out.append(f"# TYPE {name} {typ}")

    def series(self, sample_name, labels, pts):
        for t, v in pts:
            if isinstance(v, float):
                v = f"{v:.6g}" if abs(v) < 1 else f"{v:.3f}".rstrip("0").rstrip(".")
            self.out.append(f"{sample_name}{lbl(labels)} {v} {t}")

    def text(self):
        return "\n".join(self.out) + "\n# EOF\n"


def nginx_om():
    om = OM()
    om.family("nginx_ingress_controller_requests", "counter", "The total number of client requests")
    base = dict(canary="", controller_class="k8s.io/ingress-nginx", controller_namespace="ingress-nginx", controller_pod=CTRL_POD,
                host="mixtral.textgen.lan", ingress="tgi-mixtral", instance=f"{CTRL_IP}:10254", job="ingress-nginx", method="POST",
                namespace="textgen", path="/", service="tgi-mixtral")
    for code, b0 in (("200", 20417), ("504", 0)):
        om.series("nginx_ingress_controller_requests_total", dict(base, status=code),
                  [(t, b0 + sum(1 for r in REQS if str(r["code"]) == code and r["end"] <= t)) for t in samples()])
    return om.text()


def tgi_om():
    om = OM()
    om.family("tgi_batch_current_size", "gauge", "")
    for pod, ip in TGI.items():
        om.series("tgi_batch_current_size", dict(instance=f"{ip}:80", job="tgi-mixtral", namespace="textgen", pod=pod),
                  [(t, float(sum(1 for r in REQS if r["pod"] == pod and r["start"] <= t < r["start"] + min(r["dur"], r.get("need", r["dur"]))))) for t in samples()])
    return om.text()


def main():
    files = {"metrics/ingress-nginx.om": nginx_om(), "metrics/tgi.om": tgi_om(),
             f"logs/ingress-nginx/{CTRL_POD}/controller.log": controller_log()}
    for rel, text in files.items():
        path = os.path.join(HERE, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        print(f"{rel}: {len(text)} bytes, {text.count(chr(10))} lines")


if __name__ == "__main__":
    main()
