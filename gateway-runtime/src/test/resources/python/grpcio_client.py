"""Calls through the gateway with python grpcio (gRPC C-core), for the gateway's tests.

usage: grpcio_client.py PORT COMMAND ARG [COMMAND ARG]...
  slow MILLIS    one unary test.Bytes/Slow call, which the test backend answers after MILLIS ms
  load SECONDS   unary test.Bytes/Echo and bidi test.Bytes/Chat calls, one after another, for SECONDS

Every command runs in its own thread over one channel to 127.0.0.1:PORT and prints one line when it
ends: "OK <command> <arg> ..." or "FAILED <command> <arg>: <status> <details>". The exit status is 0
when every command ended OK.
"""
import struct
import sys
import threading
import time

import grpc

TIMEOUT = 30


def slow(channel, millis):
    call = channel.unary_unary("/test.Bytes/Slow")
    request = struct.pack(">i", int(millis))
    response = call(request, timeout=TIMEOUT)
    if response != request:
        raise AssertionError("answered %r" % response)
    return ""


def load(channel, seconds):
    echo = channel.unary_unary("/test.Bytes/Echo")
    chat = channel.stream_stream("/test.Bytes/Chat")
    deadline = time.monotonic() + float(seconds)
    calls = 0
    while time.monotonic() < deadline:
        payload = bytes(calls % 2000)
        if echo(payload, timeout=TIMEOUT) != payload:
            raise AssertionError("Echo answered other bytes")
        messages = [bytes(size) for size in (1, 100, 20000)]
        if list(chat(iter(messages), timeout=TIMEOUT)) != messages:
            raise AssertionError("Chat answered other messages")
        calls += 2
    return "%d calls" % calls


COMMANDS = {"slow": slow, "load": load}


def main():
    port, args = sys.argv[1], sys.argv[2:]
    channel = grpc.insecure_channel("127.0.0.1:" + port)
    failed = []

    def run(name, arg):
        try:
            result = COMMANDS[name](channel, arg)
            print("OK %s %s %s" % (name, arg, result), flush=True)
        except grpc.RpcError as e:
            failed.append(name)
            print("FAILED %s %s: %s %s" % (name, arg, e.code(), e.details()), flush=True)
        except Exception as e:  # a wrong answer
            failed.append(name)
            print("FAILED %s %s: %r" % (name, arg, e), flush=True)

    threads = [threading.Thread(target=run, args=(args[i], args[i + 1])) for i in range(0, len(args), 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    channel.close()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
