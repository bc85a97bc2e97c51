// A misbehaving agent, run as its own process by the flood test: one UDP
// socket sending the same datagram to 127.0.0.1:PORT as fast as it can for
// SECONDS, reading nothing. Prints `sent=N` when done.
// usage: bun test/helpers/flooder.ts PORT SECONDS TEXT
export {};

const [portText, secondsText, text] = process.argv.slice(2);
const port = Number(portText);
const data = Buffer.from(`${text ?? "FL>IS PING"}\r`, "latin1");
const socket = await Bun.udpSocket({ hostname: "127.0.0.1", socket: { error() {} } });
const end = performance.now() + Number(secondsText) * 1000;
let sent = 0;
while (performance.now() < end) {
  for (let i = 0; i < 256; i++) {
    try {
      if (socket.send(data, port, "127.0.0.1")) sent++;
    } catch {
      // "port unreachable" for an earlier datagram; go on
    }
  }
}
socket.close();
console.log(`sent=${sent}`);
