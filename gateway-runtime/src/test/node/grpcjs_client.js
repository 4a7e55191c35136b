// Calls through the gateway with grpc-js (Node.js's own HTTP/2 stack), for the gateway's tests.
//
// usage: node grpcjs_client.js PORT COMMAND ARG [COMMAND ARG]...
//   slow MILLIS      one unary test.Bytes/Slow call, which the test backend answers after MILLIS ms
//   load SECONDS     every call kind, one after another, for SECONDS: unary Echo, client-streaming
//                    Count, server-streaming Produce, bidi Chat
//   deadline MILLIS  a Slow call of 10 s with a deadline of MILLIS ms: must end DEADLINE_EXCEEDED
//   cancel MILLIS    a bidi Hang call (the backend never answers) cancelled after MILLIS ms
//
// Every command runs concurrently over one channel to 127.0.0.1:PORT and prints one line when it
// ends: "OK <command> <arg> ..." or "FAILED <command> <arg>: <status> <details>". The exit status is
// 0 when every command ended OK.
'use strict';

const grpc = require('@grpc/grpc-js');

const TIMEOUT_MS = 30000;
const same = (bytes) => bytes;

function deadline(ms) {
  return { deadline: Date.now() + (ms === undefined ? TIMEOUT_MS : ms) };
}

function int32(value) {
  const bytes = Buffer.alloc(4);
  bytes.writeInt32BE(value);
  return bytes;
}

function unary(client, method, request, options) {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest('/test.Bytes/' + method, same, same, request, new grpc.Metadata(),
      options || deadline(), (error, response) => (error ? reject(error) : resolve(response)));
  });
}

function chat(client, messages) {
  return new Promise((resolve, reject) => {
    const call = client.makeBidiStreamRequest('/test.Bytes/Chat', same, same, new grpc.Metadata(), deadline());
    const echoes = [];
    call.on('data', (message) => echoes.push(message));
    call.on('error', reject);
    call.on('end', () => resolve(echoes));
    messages.forEach((message) => call.write(message));
    call.end();
  });
}

function produce(client, count, size) {
  return new Promise((resolve, reject) => {
    const request = Buffer.concat([int32(count), int32(size)]);
    const call = client.makeServerStreamRequest('/test.Bytes/Produce', same, same, request, new grpc.Metadata(),
      deadline());
    const sizes = [];
    call.on('data', (message) => sizes.push(message.length));
    call.on('error', reject);
    call.on('end', () => resolve(sizes));
  });
}

function count(client, messages) {
  return new Promise((resolve, reject) => {
    const call = client.makeClientStreamRequest('/test.Bytes/Count', same, same, new grpc.Metadata(), deadline(),
      (error, response) => (error ? reject(error) : resolve(response)));
    messages.forEach((message) => call.write(message));
    call.end();
  });
}

function expect(condition, what) {
  if (!condition) {
    throw new Error(what);
  }
}

const COMMANDS = {
  async slow(client, millis) {
    const request = int32(Number(millis));
    const response = await unary(client, 'Slow', request);
    expect(response.equals(request), 'Slow answered other bytes');
    return '';
  },

  async load(client, seconds) {
    const end = Date.now() + Number(seconds) * 1000;
    let calls = 0;
    while (Date.now() < end) {
      const payload = Buffer.alloc(calls % 2000, calls % 251);
      expect((await unary(client, 'Echo', payload)).equals(payload), 'Echo answered other bytes');
      const sent = [1, 100, 20000].map((size) => Buffer.alloc(size, 7));
      const echoes = await chat(client, sent);
      expect(echoes.length === sent.length && echoes.every((echo, i) => echo.equals(sent[i])),
        'Chat answered other messages');
      const sizes = await produce(client, 10, 30000);
      expect(sizes.length === 10 && sizes.every((size) => size === 30000), 'Produce sent ' + sizes);
      const counted = await count(client, [10000, 10000, 10000, 10000, 10000].map((size) => Buffer.alloc(size)));
      expect(counted.readBigInt64BE(0) === 5n && counted.readBigInt64BE(8) === 50000n, 'Count counted otherwise');
      calls += 4;
    }
    return calls + ' calls';
  },

  async deadline(client, millis) {
    try {
      await unary(client, 'Slow', int32(10000), deadline(Number(millis)));
    } catch (error) {
      expect(error.code === grpc.status.DEADLINE_EXCEEDED, 'ended ' + error.code + ' ' + error.details);
      return 'DEADLINE_EXCEEDED';
    }
    throw new Error('a 10 s call ended within its deadline of ' + millis + ' ms');
  },

  cancel(client, millis) {
    return new Promise((resolve, reject) => {
      const call = client.makeBidiStreamRequest('/test.Bytes/Hang', same, same, new grpc.Metadata(), deadline());
      call.on('error', (error) => (error.code === grpc.status.CANCELLED ? resolve('CANCELLED') : reject(error)));
      call.on('end', () => reject(new Error('the Hang call ended without a status')));
      call.write(Buffer.alloc(1));
      setTimeout(() => call.cancel(), Number(millis));
    });
  },
};

async function main() {
  const [port, ...args] = process.argv.slice(2);
  const client = new grpc.Client('127.0.0.1:' + port, grpc.credentials.createInsecure());
  const runs = [];
  let failed = false;
  for (let i = 0; i < args.length; i += 2) {
    const [name, arg] = [args[i], args[i + 1]];
    runs.push(COMMANDS[name](client, arg).then(
      (result) => console.log(`OK ${name} ${arg} ${result}`),
      (error) => {
        failed = true;
        console.log(`FAILED ${name} ${arg}: ${error.code === undefined ? '' : grpc.status[error.code] + ' '}${error.details || error.message}`);
      }));
  }
  await Promise.all(runs);
  client.close();
  process.exit(failed ? 1 : 0);
}

main();
