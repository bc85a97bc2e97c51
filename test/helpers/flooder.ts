// A misbehaving host, run as its own process by the flood tests: UDP
// sockets on one address (default one socket on 127.0.0.1; the tests use
// 256 on 127.0.0.2, a host of its own) sending the same datagram to
// 127.0.0.1:PORT in turn as fast as they can, reading nothing, until its
// stdin closes. Prints `port=N` (the first socket's) once it has started and
// `sent=N` when it stops.
// usage: bun test/helpers/flooder.ts PORT TEXT [ADDRESS [SOCKETS]]
export {};

const [portText, text, address = "127.0.0.1", socketsText = "1"] = process.argv.slice(2);
const port = Number(portText);
const data = Buffer.from(`${text ?? "FL>IS PING"}\r`, "latin1");
const sockets = await Promise.all(Array.from({ length: Number(socketsText) }, () => Bun.udpSocket({ hostname: address, socket: { error() {} } })));
let running = true;
void (async () => {
  for await (const _ of Bun.stdin.stream());
  running = false;
})();
console.log(`port=${sockets[0]?.port}`);
let sent = 0;
while (running) {
  // Bursts of ~10 ms, then one turn of the event loop to notice the end of stdin.
  const until = performance.now() + 10;
  while (performance.now() < until) {
    for (const socket of sockets) {
      try {
        if (socket.send(data, port, "127.0.0.1")) sent++;
      } catch {
        // "port unreachable" for an earlier datagram; go on
      }
    }
  }
  await new Promise((resolve) => setImmediate(resolve));
}
for (const socket of sockets) socket.close();
console.log(`sent=${sent}`);
