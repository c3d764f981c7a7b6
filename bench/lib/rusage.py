# Runs commands for the bench and reports wall time and CPU time (user + sys) of each one's whole
# process tree. Node cannot: spawnSync reports no resource usage, and /proc's cutime counts in
# 10 ms ticks. wait4(2) returns the rusage of the child and of every descendant it waited for,
# which covers node and the git processes it starts.
#
# Protocol: one JSON request per line on stdin {cmd, args, cwd, env, input?}; one JSON answer per
# line on stdout {ms, userMs, sysMs, maxRssKb, status, signal, stdout, stderr} (output as latin-1 text).
import json
import os
import subprocess
import sys
import tempfile
import time


def run(req):
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        data = req.get("input")
        t0 = time.perf_counter()
        p = subprocess.Popen(
            [req["cmd"], *req["args"]],
            cwd=req.get("cwd"),
            env=req.get("env"),
            stdin=subprocess.PIPE if data is not None else subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )
        if data is not None:
            try:
                p.stdin.write(data.encode("latin-1"))
                p.stdin.close()
            except BrokenPipeError:
                pass
        _, status, usage = os.wait4(p.pid, 0)
        ms = (time.perf_counter() - t0) * 1000
        p.returncode = 0  # reaped above; keeps Popen from waiting again
        out.seek(0)
        err.seek(0)
        return {
            "ms": ms,
            "userMs": usage.ru_utime * 1000,
            "sysMs": usage.ru_stime * 1000,
            # the largest resident set among the child and the descendants it waited for (KiB)
            "maxRssKb": usage.ru_maxrss,
            "status": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            "stdout": out.read().decode("latin-1"),
            "stderr": err.read().decode("latin-1"),
        }


for line in sys.stdin:
    if not line.strip():
        continue
    try:
        answer = run(json.loads(line))
    except Exception as error:  # reported to the bench, which fails loudly
        answer = {"error": f"{type(error).__name__}: {error}"}
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()
