#!/usr/bin/env python3
"""Hostile TCP connections against a coordinator on loopback, for control-flood.sh.

Three kinds, held open until --duration ends (or the process is killed):
  idle       connect, then say nothing
  slowloris  send one byte of a frame header every --drip seconds, never completing it
  garbage    send random bytes every second; when the coordinator closes, connect again

Prints one line `hostile_open=K hostile_failed=F` once every connection was attempted, then
`hostile_final_open=K garbage_reconnects=R` at the end. Loopback only; every loop is bounded
by the monotonic deadline.
"""
import argparse
import asyncio
import os
import resource
import sys
import time


def parse():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--idle", type=int, default=700)
    p.add_argument("--slowloris", type=int, default=700)
    p.add_argument("--garbage", type=int, default=600)
    p.add_argument("--drip", type=float, default=5.0)
    p.add_argument("--duration", type=float, default=600.0)
    a = p.parse_args()
    if not (1 <= a.port <= 65535) or min(a.idle, a.slowloris, a.garbage) < 0 or a.duration <= 0 or a.drip <= 0:
        p.error("port must be 1-65535; counts not negative; duration and drip positive")
    return a


class Flood:
    def __init__(self, args):
        self.args = args
        self.deadline = time.monotonic() + args.duration
        self.open = 0
        self.failed = 0
        self.reconnects = 0

    def left(self):
        return max(0.0, self.deadline - time.monotonic())

    async def connect(self):
        return await asyncio.wait_for(asyncio.open_connection("127.0.0.1", self.args.port), timeout=10)

    async def hold(self, kind):
        try:
            reader, writer = await self.connect()
        except (OSError, asyncio.TimeoutError):
            self.failed += 1
            return
        self.open += 1
        try:
            if kind == "idle":
                # Read until the coordinator closes or the run ends; never write.
                await asyncio.wait_for(reader.read(), timeout=self.left())
            elif kind == "slowloris":
                header = b"GLCK" + bytes(60)  # longer than any header: never completes a frame
                for i in range(len(header)):
                    if self.left() <= 0:
                        break
                    writer.write(header[i:i + 1])
                    await writer.drain()
                    await asyncio.sleep(min(self.args.drip, self.left()))
                await asyncio.wait_for(reader.read(), timeout=self.left())
            else:
                while self.left() > 0:
                    try:
                        writer.write(os.urandom(256))
                        await writer.drain()
                        await asyncio.sleep(min(1.0, self.left()))
                        if reader.at_eof():
                            raise ConnectionResetError
                    except (OSError, ConnectionResetError):
                        writer.close()
                        self.open -= 1
                        await asyncio.sleep(min(0.5, self.left()))
                        try:
                            reader, writer = await self.connect()
                        except (OSError, asyncio.TimeoutError):
                            self.failed += 1
                            self.open += 1  # this connection was already counted closed; the finally counts it again
                            return
                        self.reconnects += 1
                        self.open += 1
        except (OSError, asyncio.TimeoutError, ConnectionResetError):
            pass
        finally:
            self.open -= 1
            writer.close()

    async def run(self):
        kinds = ["idle"] * self.args.idle + ["slowloris"] * self.args.slowloris + ["garbage"] * self.args.garbage
        tasks = []
        for i, kind in enumerate(kinds):
            tasks.append(asyncio.create_task(self.hold(kind)))
            if i % 100 == 99:
                await asyncio.sleep(0.05)  # let the accepts keep up; the flood is the steady state
        await asyncio.sleep(1.0)
        print(f"hostile_open={self.open} hostile_failed={self.failed}", flush=True)
        await asyncio.gather(*tasks, return_exceptions=True)
        print(f"hostile_final_open={self.open} garbage_reconnects={self.reconnects}", flush=True)


def main():
    args = parse()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = args.idle + args.slowloris + args.garbage + 64
    if soft < need:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(need, hard), hard))
        except (ValueError, OSError):
            pass
        if resource.getrlimit(resource.RLIMIT_NOFILE)[0] < need:
            sys.exit(f"control-flood-hostile: needs {need} file descriptors, the hard limit is {hard}")
    asyncio.run(Flood(args).run())


if __name__ == "__main__":
    main()
