// The UDP transport on real loopback sockets, both ways it can run: batched
// (recvmmsg/sendmmsg over bun:ffi on Bun's socket) and on Bun's API alone.
import { afterEach, describe, expect, test } from "bun:test";
import { formatIpv4, ipv4Value, type UdpEndpoint, udpEndpoint } from "../../src/shared/endpoint.ts";
import { BatchIO, RECEIVE_SLOTS, SEND_DATA_BYTES, SEND_SLOTS } from "../../src/transport/batch-io.ts";
import { ErrorQueue } from "../../src/transport/error-queue.ts";
import { findSocket, loadLibc } from "../../src/transport/socket-ffi.ts";
import { UdpTransport } from "../../src/transport/udp.ts";
import { readUdpDrops } from "../../src/transport/udp-drops.ts";
import { UdpClient } from "../helpers/udp.ts";
import { waitUntil } from "../helpers/wait.ts";

describe("IPv4 address numbers", () => {
  test("have the first byte highest, and format back to the dotted quad", () => {
    expect(ipv4Value("127.0.0.1")).toBe(0x7f000001);
    expect(ipv4Value("192.168.1.200")).toBe(0xc0a801c8);
    expect(ipv4Value("255.255.255.255")).toBe(0xffffffff);
    for (const address of ["127.0.0.1", "0.0.0.0", "10.1.2.3", "255.255.255.255", "172.16.254.9"]) {
      expect(formatIpv4(ipv4Value(address))).toBe(address);
    }
  });
});

interface Heard {
  text: string;
  from: UdpEndpoint;
}

interface Lost {
  to: UdpEndpoint | undefined;
  text: string;
  reason: string;
}

const loopback = (port: number) => udpEndpoint("127.0.0.1", port);

const open: Array<{ close(): void }> = [];
afterEach(() => {
  for (const thing of open.splice(0)) thing.close();
});

async function bindTransport(
  batched: boolean,
  onReceive?: (heard: Heard, transport: UdpTransport) => void,
  onUnreachable?: (lost: Lost, transport: UdpTransport) => void,
) {
  const heard: Heard[] = [];
  const notSent: Lost[] = [];
  const unreachable: Lost[] = [];
  const bound = await UdpTransport.bind(0, { hostname: "127.0.0.1", batched });
  if (!bound.ok) throw new Error(bound.reason);
  const transport = bound.transport;
  transport.listen({
    received: (text, from) => {
      heard.push({ text, from });
      onReceive?.({ text, from }, transport);
    },
    notSent: (to, text, reason) => void notSent.push({ to, text, reason }),
    unreachable: (to, reason, text) => {
      unreachable.push({ to, text, reason });
      onUnreachable?.({ to, text, reason }, transport);
    },
  });
  open.push(transport);
  return { transport, heard, notSent, unreachable };
}

async function client(): Promise<UdpClient> {
  const c = await UdpClient.open();
  open.push(c);
  return c;
}

/** Every byte value but CR, so a mis-decoded byte would show. */
const ALL_BYTES = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i))
  .filter((c) => c !== "\r")
  .join("");

test.if(process.platform === "linux")("on Linux the transport uses batched I/O unless told not to", async () => {
  const on = await bindTransport(true);
  expect(on.transport.batched).toBe(true);
  expect(on.transport.batchProblem).toBeUndefined();
  const off = await bindTransport(false);
  expect(off.transport.batched).toBe(false);
  expect(off.transport.batchProblem).toBe("turned off");
});

for (const batched of [true, false]) {
  describe(batched ? "batched UDP I/O" : "Bun's UDP API alone", () => {
    test("datagrams arriving while a turn is handled are all delivered, in order, each with its sender's one endpoint", async () => {
      const a = await client();
      const b = await client();
      let fed = false;
      const { transport, heard } = await bindTransport(batched, () => {
        // While the first datagram is being handled, 200 more arrive (as many as
        // the socket's default buffer holds with room to spare), from two peers.
        if (fed) return;
        fed = true;
        for (let i = 0; i < 100; i++) {
          a.send(`A${i}\r`, transport.port);
          b.send(`B${i}\r`, transport.port);
        }
      });
      a.send("first\r", transport.port);
      await waitUntil("201 datagrams", () => heard.length === 201);
      const fromA = heard.filter((h) => h.from.port === a.port);
      const fromB = heard.filter((h) => h.from.port === b.port);
      expect(fromA.map((h) => h.text)).toEqual(["first\r", ...Array.from({ length: 100 }, (_, i) => `A${i}\r`)]);
      expect(fromB.map((h) => h.text)).toEqual(Array.from({ length: 100 }, (_, i) => `B${i}\r`));
      for (const h of heard) expect(h.from.address).toBe("127.0.0.1");
      // One endpoint object per peer, whichever path read the datagram.
      expect(new Set(fromA.map((h) => h.from)).size).toBe(1);
      expect(new Set(fromB.map((h) => h.from)).size).toBe(1);
      // Bun reads everything that is waiting when it wakes, so what is read
      // in batches depends on timing; the batch reader is pinned down below.
      if (!batched) expect(transport.batchedReads).toBe(0);
    });

    test("every byte value arrives as the one char of that code, and goes back out as the same byte", async () => {
      const a = await client();
      const { transport, heard } = await bindTransport(batched, (h, t) => t.send(h.from, `echo ${h.text}`));
      a.send(Buffer.from(`${ALL_BYTES}\r`, "latin1"), transport.port);
      expect(await a.next()).toBe(`echo ${ALL_BYTES}\r`);
      expect(heard[0]?.text).toBe(`${ALL_BYTES}\r`);
    });

    test("an oversized datagram keeps its length and head, so the log can say what it was", async () => {
      const a = await client();
      const big = `XX>IS ${"0123456789".repeat(400)}\r`;
      let fed = false;
      const { transport, heard } = await bindTransport(batched, () => {
        if (fed) return;
        fed = true;
        a.send(big, transport.port);
        a.send("after\r", transport.port);
      });
      a.send("first\r", transport.port);
      await waitUntil("3 datagrams", () => heard.length === 3);
      const got = heard[1]?.text ?? "";
      expect(got.length).toBe(big.length);
      expect(got.slice(0, 2049)).toBe(big.slice(0, 2049));
      expect(heard[2]?.text).toBe("after\r");
    });

    test("replies queued in one turn, more than one send can carry, all arrive in order", async () => {
      const peers = [await client(), await client(), await client()];
      const { transport } = await bindTransport(batched, (h, t) => {
        if (h.text !== "go\r") return;
        for (let i = 0; i < 300; i++) {
          const to = peers[i % 3] as UdpClient;
          t.send(loopback(to.port), `R${i} ${"x".repeat(i % 7 === 0 ? 1500 : 10)}\r`);
        }
      });
      (peers[0] as UdpClient).send("go\r", transport.port);
      for (const [index, peer] of peers.entries()) {
        for (let i = index; i < 300; i += 3) {
          expect(await peer.next()).toBe(`R${i} ${"x".repeat(i % 7 === 0 ? 1500 : 10)}\r`);
        }
      }
      expect(transport.notSent).toBe(0);
    });

    test("peers whose ports are closed cost the others nothing: every datagram is attempted, and each loss is reported with its destination and text", async () => {
      // Three peers that went away, then two live ones, all sent to in one turn:
      // each ICMP error would take the next send with it if it were not made again.
      const gone = await Promise.all([client(), client(), client()]);
      const live = [await client(), await client()];
      const goneTo = gone.map((g) => loopback(g.port));
      for (const g of gone) g.close();
      const { transport, unreachable, notSent } = await bindTransport(batched, (h, t) => {
        for (const to of goneTo) t.send(to, `to nobody ${h.text}`);
        for (const c of live) t.send(loopback(c.port), `copy ${h.text}`);
        for (const to of goneTo) t.send(to, `again to nobody ${h.text}`);
        t.send(h.from, `back ${h.text}`);
      });
      const asker = live[0] as UdpClient;
      for (let i = 0; i < 5; i++) {
        asker.send(`ping ${i}\r`, transport.port);
        expect(await asker.next()).toBe(`copy ping ${i}\r`);
        expect(await asker.next()).toBe(`back ping ${i}\r`);
        expect(await (live[1] as UdpClient).next()).toBe(`copy ping ${i}\r`);
      }
      expect(notSent).toEqual([]);
      // Every datagram to a closed port came back, read from the error queue with its destination and text.
      await waitUntil("30 reports", () => unreachable.length === 30);
      for (const lost of unreachable) {
        expect(lost.reason).toBe("port unreachable");
        expect(goneTo.map((e) => e.port)).toContain(lost.to?.port as number);
        expect(lost.text).toMatch(/^(again )?to nobody ping \d\r$/);
      }
      expect(transport.retried).toBeGreaterThan(0);
    });

    test("what a loss report leads to (an ERROR for the sender) goes out at once, not with the next datagram", async () => {
      const gone = await client();
      const goneTo = loopback(gone.port);
      gone.close();
      const asker = await client();
      const { transport } = await bindTransport(
        batched,
        (h, t) => {
          // The reply first (sent at once), then the datagram to the closed port (sent at the end of the turn).
          t.send(h.from, `ack ${h.text}`);
          t.send(goneTo, `for nobody ${h.text}`);
        },
        (lost, t) => {
          if (lost.to) t.send(loopback(asker.port), `lost ${lost.text}`);
        },
      );
      asker.send("one\r", transport.port);
      expect(await asker.next()).toBe("ack one\r");
      expect(await asker.next()).toBe("lost for nobody one\r");
    });

    test("after close, sends are refused quietly and the end of the turn leaves the descriptor alone (it may be a new socket's)", async () => {
      const a = await client();
      const { transport, heard } = await bindTransport(batched);
      a.send("one\r", transport.port);
      await waitUntil("one datagram", () => heard.length === 1);
      // Schedules the end of this turn, which runs after the close.
      transport.send(loopback(a.port), "reply\r");
      transport.close();
      expect(transport.send(loopback(a.port), "late\r")).toBe(false);
      // Opened before that end of turn runs, this socket can be given the closed one's descriptor number.
      const fresh = await client();
      a.send("for the new socket\r", fresh.port);
      expect(await fresh.next()).toBe("for the new socket\r");
      expect(await a.next()).toBe("reply\r");
      // "late" was never sent: a marker sent now is the next thing a gets.
      fresh.send("marker\r", a.port);
      expect(await a.next()).toBe("marker\r");
    });
  });
}

// The batch reader and writer and the error queue by themselves, on a socket
// Bun bound. The test never yields to the event loop between sending and
// reading, so Bun cannot read first: every datagram is the batch reader's.
describe.if(process.platform === "linux")("batched I/O and the error queue", () => {
  async function attached() {
    const socket = await Bun.udpSocket({ hostname: "127.0.0.1", socket: { data() {}, error() {} } });
    open.push(socket);
    const libc = loadLibc();
    if (typeof libc === "string") throw new Error(libc);
    const fd = findSocket(libc, ipv4Value("127.0.0.1"), socket.port);
    if (typeof fd === "string") throw new Error(fd);
    return { port: socket.port, batch: new BatchIO(libc, fd), errors: new ErrorQueue(libc, fd) };
  }

  test("the socket is found by its address and port, and the answer says why when there is none", async () => {
    const { port } = await attached();
    const libc = loadLibc();
    if (typeof libc === "string") throw new Error(libc);
    expect(typeof findSocket(libc, ipv4Value("127.0.0.1"), port)).toBe("number");
    expect(findSocket(libc, 0, port)).toBe(`no UDP socket bound to 0.0.0.0:${port} among this process's descriptors`);
    const free = await Bun.udpSocket({ hostname: "127.0.0.1" });
    const unused = free.port;
    free.close();
    expect(findSocket(libc, ipv4Value("127.0.0.1"), unused)).toBe(`no UDP socket bound to 127.0.0.1:${unused} among this process's descriptors`);
  });

  test("reads what is waiting without blocking, in order, with each sender's address and port; 0 when nothing is", async () => {
    const { port, batch } = await attached();
    const a = await client();
    const b = await client();
    expect(batch.receive(() => {})).toBe(0);
    const count = RECEIVE_SLOTS + 10;
    for (let i = 0; i < count; i++) (i % 2 ? b : a).send(`D${i}\r`, port);
    const got: Array<[string, string, number]> = [];
    const sink = (text: string, ipv4: number, from: number) => void got.push([text, formatIpv4(ipv4), from]);
    // One read takes at most RECEIVE_SLOTS; the next takes the rest.
    expect(batch.receive(sink)).toBe(RECEIVE_SLOTS);
    expect(batch.receive(sink)).toBe(10);
    expect(batch.receive(sink)).toBe(0);
    expect(got).toEqual(Array.from({ length: count }, (_, i) => [`D${i}\r`, "127.0.0.1", (i % 2 ? b : a).port]));
    expect(batch.received).toBe(count);
  });

  test("the socket's drop count comes with the datagrams read (SO_RXQ_OVFL): 0 while none was dropped, then what /proc/net/udp says", async () => {
    const { port, batch } = await attached();
    expect(batch.dropsSignalled).toBe(true);
    const a = await client();
    for (let i = 0; i < 10; i++) a.send(`D${i}\r`, port);
    while (batch.receive(() => {}) > 0) {}
    expect(batch.kernelDrops).toBe(0);
    // Far more than the socket's receive buffer holds, sent while nothing reads: the kernel drops the rest.
    const payload = "x".repeat(1000);
    for (let i = 0; i < 5000; i++) a.send(payload, port);
    while (batch.receive(() => {}) > 0) {}
    const dropped = await readUdpDrops(port);
    expect(dropped).toBeGreaterThan(0);
    // Those read were queued before the drops: they carry no count.
    expect(batch.kernelDrops).toBe(0);
    // The socket says it when asked (SO_MEMINFO), with nothing read since: STATS asks it so.
    batch.refreshDrops();
    expect(batch.kernelDrops).toBe(dropped as number);
    // A datagram queued after the drops carries the count (so, under a flood, the next batch read tells),
    // known before it is handed up: a STATS request arriving after a flood reports the drops it carried.
    a.send("after\r", port);
    const seenBySink: number[] = [];
    expect(batch.receive(() => void seenBySink.push(batch.kernelDrops))).toBe(1);
    expect(seenBySink).toEqual([dropped as number]);
    expect(batch.kernelDrops).toBe(dropped as number);
  });

  test("an empty datagram is read as empty text, in its place", async () => {
    const { port, batch } = await attached();
    const a = await client();
    a.send(new Uint8Array(0), port);
    a.send("after\r", port);
    const got: string[] = [];
    expect(batch.receive((text) => void got.push(text))).toBe(2);
    expect(got).toEqual(["", "after\r"]);
  });

  test("a datagram longer than its slot keeps its length and its first 2049 bytes; the rest is NUL", async () => {
    const { port, batch } = await attached();
    const a = await client();
    const big = "y".repeat(60_000);
    a.send(big, port);
    a.send("small\r", port);
    const got: string[] = [];
    expect(batch.receive((text) => void got.push(text))).toBe(2);
    expect(got[0]?.length).toBe(60_000);
    expect(got[0]?.slice(0, 2049)).toBe(big.slice(0, 2049));
    expect(got[0]?.slice(2049)).toBe("\0".repeat(60_000 - 2049));
    expect(got[1]).toBe("small\r");
  });

  test("queued datagrams go out in one flush, each to its own peer, byte for byte; a full batch says so", async () => {
    const { batch } = await attached();
    const a = await client();
    const b = await client();
    const ip = ipv4Value("127.0.0.1");
    let queued = 0;
    while (batch.queue(ip, "127.0.0.1", queued % 2 ? b.port : a.port, `Q${queued} ${ALL_BYTES}\r`)) queued++;
    // 256 slots, or the 64 KiB data area, whichever fills first.
    expect(queued).toBe(Math.min(SEND_SLOTS, Math.floor(SEND_DATA_BYTES / (ALL_BYTES.length + 6))));
    expect(batch.queued).toBe(queued);
    const lost: string[] = [];
    expect(batch.flush((_ip, _port, text) => void lost.push(text))).toBe(0);
    expect(lost).toEqual([]);
    expect(batch.queued).toBe(0);
    for (let i = 0; i < queued; i++) expect(await (i % 2 ? b : a).next()).toBe(`Q${i} ${ALL_BYTES}\r`);
  });

  test("a datagram displaced by an earlier one's ICMP error is sent again; the error queue names each closed port and the text sent there", async () => {
    const { batch, errors } = await attached();
    const live = await client();
    const gone = [await client(), await client()];
    const ports = gone.map((g) => g.port);
    for (const g of gone) g.close();
    const ip = ipv4Value("127.0.0.1");
    // dead, live, dead, live, live: without the retries sendmmsg stops after each dead one.
    const plan: Array<[number, string]> = [
      [ports[0] as number, "lost 0\r"],
      [live.port, "one\r"],
      [ports[1] as number, "lost 1\r"],
      [live.port, "two\r"],
      [live.port, "three\r"],
    ];
    for (const [port, text] of plan) expect(batch.queue(ip, "127.0.0.1", port, text)).toBe(true);
    const lost: string[] = [];
    expect(batch.flush((_ip, _port, text) => void lost.push(text))).toBe(2);
    expect(lost).toEqual([]);
    // Read before the event loop gets a turn: Bun would read the queue itself (and keep only the errno).
    const reports: Array<[string, number, number, string]> = [];
    expect(errors.drain((ipv4, port, errno, payload) => void reports.push([formatIpv4(ipv4), port, errno, payload]))).toBe(2);
    expect(reports).toEqual([
      ["127.0.0.1", ports[0] as number, 111, "lost 0\r"],
      ["127.0.0.1", ports[1] as number, 111, "lost 1\r"],
    ]);
    expect(errors.drain(() => {})).toBe(0);
    expect([await live.next(), await live.next(), await live.next()]).toEqual(["one\r", "two\r", "three\r"]);
  });

  test("a datagram the kernel refuses on its own account is reported once, with its errno, and the rest still go", async () => {
    const { batch } = await attached();
    const live = await client();
    const ip = ipv4Value("127.0.0.1");
    batch.queue(ip, "127.0.0.1", live.port, "before\r");
    // A broadcast address without SO_BROADCAST: EACCES, this datagram's own fault.
    batch.queue(ipv4Value("255.255.255.255"), "255.255.255.255", 9, "refused\r");
    batch.queue(ip, "127.0.0.1", live.port, "after\r");
    const lost: Array<[string, number, string, number]> = [];
    batch.flush((ipv4, port, text, errno) => void lost.push([formatIpv4(ipv4), port, text, errno]));
    expect(lost).toEqual([["255.255.255.255", 9, "refused\r", 13]]);
    expect([await live.next(), await live.next()]).toEqual(["before\r", "after\r"]);
  });
});
