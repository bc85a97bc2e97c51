// What a router can do on Bun's UDP API alone: what bench/floor.c does, with
// the replies of a receive batch sent in one sendMany, and nothing else (no
// log, host table, checks or bookkeeping). bench/run.ts measures it beside
// dist/isis and the C floor: Bun's per-datagram layer (a Buffer, an address
// string and a call per datagram) is why isis reads and sends in batches
// itself (src/transport/batch-io.ts). usage: bun bench/bun-floor.ts PORT
const port = Number(process.argv[2] ?? 0);
const routes = new Map<string, { address: string; port: number }>();
let queue: Array<Buffer | string | number> = [];
let scheduled = false;
const flush = () => {
  scheduled = false;
  const batch = queue;
  queue = [];
  socket.sendMany(batch);
};
const socket = await Bun.udpSocket({
  hostname: "127.0.0.1",
  port,
  socket: {
    data(_socket, data, fromPort, fromAddress) {
      const text = data.toString("latin1");
      const gt = text.indexOf(">");
      let space = text.indexOf(" ", gt);
      if (gt < 1 || gt > 15) return;
      if (space === -1) space = text.length;
      const src = text.slice(0, gt).toUpperCase();
      const dest = text
        .slice(gt + 1, space)
        .replace(/\r$/, "")
        .toUpperCase();
      routes.set(src, { address: fromAddress, port: fromPort });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
      if (dest === "IS") {
        queue.push(`IS>${src} PONG\r`, fromPort, fromAddress);
        return;
      }
      const to = routes.get(dest);
      if (to) queue.push(data, to.port, to.address);
    },
    error() {},
  },
});
console.log(`bun floor listening on ${socket.port}`);

export {};
