// A misbehaving agent, run as its own process by the flood test: one UDP
// socket sending the same datagram to 127.0.0.1:PORT as fast as it can,
// reading nothing, until its stdin closes. Prints `port=N` (its own) once
// it has started and `sent=N` when it stops.
// usage: bun test/helpers/flooder.ts PORT TEXT
export {};

const [portText, text] = process.argv.slice(2);
const port = Number(portText);
const data = Buffer.from(`${text ?? "FL>IS PING"}\r`, "latin1");
const socket = await Bun.udpSocket({ hostname: "127.0.0.1", socket: { error() {} } });
let running = true;
void (async () => {
  for await (const _ of Bun.stdin.stream());
  running = false;
})();
console.log(`port=${socket.port}`);
let sent = 0;
while (running) {
  // Bursts of ~10 ms, then one turn of the event loop to notice the end of stdin.
  const until = performance.now() + 10;
  while (performance.now() < until) {
    for (let i = 0; i < 256; i++) {
      try {
        if (socket.send(data, port, "127.0.0.1")) sent++;
      } catch {
        // "port unreachable" for an earlier datagram; go on
      }
    }
  }
  await new Promise((resolve) => setImmediate(resolve));
}
socket.close();
console.log(`sent=${sent}`);
