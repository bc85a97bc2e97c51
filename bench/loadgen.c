// loadgen: the benchmark's own IMPv2 load generator, written for bench/run.ts
// and independent of the server's code (it knows only the wire format).
//
// Two UDP nodes on 127.0.0.1, LGA and LGB, both talking to the server.
//   route: LGA sends "LGA>LGB REQ <id> [pad]"; the server routes it to LGB,
//          which answers "LGB>LGA DONE: REQ <id>"; the server routes that
//          back. One round trip is two routed messages.
//   ping:  LGA sends "LGA>ID PING <id>" and the server itself answers PONG.
//   flood: LGF sends "LGF>NOBODY flood" for COUNT ms, as fast as it can or
//          at RATE datagrams/s, reading nothing (a misbehaving agent; bench/flood.ts).
// At most WINDOW requests are outstanding; one that has no answer after
// TIMEOUT ms is counted lost (its slot in the window is reused), so a loss is
// a count, never a hang. Replies carry no id in ping mode: PONGs answer the
// oldest outstanding PING (a UDP loopback path keeps order).
//
// usage: loadgen PORT route|ping COUNT WINDOW [PAD [SERVERID [TIMEOUT_MS]]]
//        loadgen PORT flood MILLISECONDS [RATE]
// prints one line: mode= count= window= pad= done= lost= late= seconds= rate=
//   p50_us= p99_us= max_us=  (rate: round trips per second);
//   flood: mode=flood port= sent= seconds= rate= (port: its own, printed first)
// exit: 0 all answered, 1 some lost, 2 usage or socket error.
// Only loopback: the server is always 127.0.0.1:PORT.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { MAX_DGRAM = 8192, MAX_PAD = 4000 };

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

// A UDP socket on 127.0.0.1 (any port), connected to the server, with a big
// receive buffer so a burst of replies is not dropped by our own side.
static int node_socket(uint16_t server_port) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return -1;
  int rcvbuf = 8 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) return -1;
  addr.sin_port = htons(server_port);
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) return -1;
  return fd;
}

// The id after "REQ " in a datagram, or -1.
static long request_id(const char *text) {
  const char *req = strstr(text, "REQ ");
  if (!req) return -1;
  char *end;
  long id = strtol(req + 4, &end, 10);
  return end == req + 4 ? -1 : id;
}

// Make the server know both nodes: each PINGs it until the PONG comes back.
static int introduce(int fds[2], const char *names[2], const char *server_id) {
  char buf[MAX_DGRAM];
  for (int node = 0; node < 2; node++) {
    int answered = 0;
    for (int attempt = 0; attempt < 5 && !answered; attempt++) {
      dprintf(fds[node], "%s>%s PING\r", names[node], server_id);
      struct pollfd p = {fds[node], POLLIN, 0};
      while (!answered && poll(&p, 1, 500) > 0) {
        ssize_t n = recv(fds[node], buf, sizeof buf - 1, MSG_DONTWAIT);
        if (n <= 0) break;
        buf[n] = 0;
        answered = strstr(buf, "PONG") != NULL;
      }
    }
    if (!answered) return -1;
  }
  return 0;
}

// Send one datagram again and again for ms milliseconds (rate per second, 0:
// as fast as possible); never read.
static int flood(long port, long ms, long rate) {
  int fd = node_socket((uint16_t)port);
  if (fd < 0) return 2;
  struct sockaddr_in self;
  socklen_t len = sizeof self;
  getsockname(fd, (struct sockaddr *)&self, &len);
  printf("mode=flood port=%u", ntohs(self.sin_port));
  fflush(stdout);
  static const char text[] = "LGF>NOBODY flood\r";
  const int64_t start = now_ns(), end = start + ms * 1000000LL;
  long sent = 0;
  for (int64_t t = start; t < end; t = now_ns()) {
    if (rate > 0 && sent >= (double)rate * (double)(t - start) / 1e9) {
      nanosleep(&(struct timespec){0, 20000}, NULL);
      continue;
    }
    for (int i = 0; i < 64; i++)
      if (send(fd, text, sizeof text - 1, 0) > 0) sent++;  // ECONNREFUSED: an earlier datagram's ICMP; go on
  }
  const double seconds = (double)(now_ns() - start) / 1e9;
  printf(" sent=%ld seconds=%.3f rate=%.0f\n", sent, seconds, (double)sent / seconds);
  return 0;
}

int main(int argc, char **argv) {
  if ((argc == 4 || argc == 5) && strcmp(argv[2], "flood") == 0) {
    const long port = strtol(argv[1], NULL, 10), ms = strtol(argv[3], NULL, 10);
    const long rate = argc == 5 ? strtol(argv[4], NULL, 10) : 0;
    if (port <= 0 || port > 65535 || ms <= 0 || rate < 0) return 2;
    return flood(port, ms, rate);
  }
  if (argc < 5) {
    fprintf(stderr, "usage: loadgen PORT route|ping COUNT WINDOW [PAD [SERVERID [TIMEOUT_MS]]]\n       loadgen PORT flood MILLISECONDS [RATE]\n");
    return 2;
  }
  const long port = strtol(argv[1], NULL, 10);
  const int route = strcmp(argv[2], "route") == 0;
  const long count = strtol(argv[3], NULL, 10);
  const long window = strtol(argv[4], NULL, 10);
  long pad = argc > 5 ? strtol(argv[5], NULL, 10) : 0;
  const char *server_id = argc > 6 ? argv[6] : "IS";
  const int64_t timeout_ns = (argc > 7 ? strtol(argv[7], NULL, 10) : 1000) * 1000000LL;
  if ((!route && strcmp(argv[2], "ping") != 0) || port <= 0 || port > 65535 || count <= 0 || window <= 0 || pad < 0) {
    fprintf(stderr, "loadgen: bad arguments\n");
    return 2;
  }
  if (pad > MAX_PAD) pad = MAX_PAD;

  const char *names[2] = {"LGA", "LGB"};
  int fds[2] = {node_socket((uint16_t)port), node_socket((uint16_t)port)};
  if (fds[0] < 0 || fds[1] < 0) {
    fprintf(stderr, "loadgen: socket: %s\n", strerror(errno));
    return 2;
  }
  if (route && introduce(fds, names, server_id) < 0) {
    fprintf(stderr, "loadgen: no PONG from %s on 127.0.0.1:%ld\n", server_id, port);
    return 2;
  }

  char padding[MAX_PAD + 2] = "";
  if (pad > 0) {
    padding[0] = ' ';
    memset(padding + 1, 'x', (size_t)pad);
    padding[pad + 1] = 0;
  }
  // sent_at[id]: when request id left; 0 once answered or given up on.
  int64_t *sent_at = calloc((size_t)count, sizeof *sent_at);
  int64_t *rtt = calloc((size_t)count, sizeof *rtt);
  if (!sent_at || !rtt) return 2;

  long next = 0;    // the next id to send
  long oldest = 0;  // ids below this are answered or lost
  long done = 0, lost = 0, late = 0, open = 0;
  char in[MAX_DGRAM], out[MAX_DGRAM];
  const int64_t start = now_ns();
  int64_t last_answer = start;

  while (oldest < count) {
    while (open < window && next < count) {
      int n = route ? snprintf(out, sizeof out, "LGA>LGB REQ %ld%s\r", next, padding)
                    : snprintf(out, sizeof out, "LGA>%s PING %ld\r", server_id, next);
      sent_at[next] = now_ns();
      if (send(fds[0], out, (size_t)n, 0) < 0 && errno != ECONNREFUSED) break;
      next++;
      open++;
    }
    struct pollfd p[2] = {{fds[0], POLLIN, 0}, {fds[1], POLLIN, 0}};
    poll(p, route ? 2 : 1, 50);
    // LGB: answer every request routed to it.
    while (route) {
      ssize_t n = recv(fds[1], in, sizeof in - 1, MSG_DONTWAIT);
      if (n <= 0) break;
      in[n] = 0;
      long id = request_id(in);
      if (id < 0) continue;
      int m = snprintf(out, sizeof out, "LGB>LGA DONE: REQ %ld\r", id);
      send(fds[1], out, (size_t)m, 0);
    }
    // LGA: match answers to requests.
    for (;;) {
      ssize_t n = recv(fds[0], in, sizeof in - 1, MSG_DONTWAIT);
      if (n <= 0) break;
      in[n] = 0;
      long id = -1;
      if (route && strstr(in, "DONE:")) id = request_id(in);
      if (!route && strstr(in, "PONG")) {
        id = oldest;
        while (id < next && sent_at[id] == 0) id++;
      }
      if (id < 0 || id >= next) continue;
      if (sent_at[id] == 0) {
        late++;  // answered after it was counted lost, or twice
        continue;
      }
      last_answer = now_ns();
      rtt[done++] = last_answer - sent_at[id];
      sent_at[id] = 0;
      open--;
    }
    // Give up on requests unanswered for too long; move the window on.
    const int64_t t = now_ns();
    while (oldest < next && (sent_at[oldest] == 0 || t - sent_at[oldest] > timeout_ns)) {
      if (sent_at[oldest] != 0) {
        sent_at[oldest] = 0;
        lost++;
        open--;
      }
      oldest++;
    }
    // Nothing answered for three timeouts: the server is gone; the rest is lost too.
    if (t - last_answer > 3 * timeout_ns) {
      lost += open + (count - next);
      break;
    }
  }

  const double seconds = (double)(now_ns() - start) / 1e9;
  qsort(rtt, (size_t)done, sizeof *rtt, cmp_i64);
  const double p50 = done ? (double)rtt[done / 2] / 1e3 : 0;
  const double p99 = done ? (double)rtt[(long)((double)done * 0.99)] / 1e3 : 0;
  const double max = done ? (double)rtt[done - 1] / 1e3 : 0;
  printf("mode=%s count=%ld window=%ld pad=%ld done=%ld lost=%ld late=%ld seconds=%.3f rate=%.0f p50_us=%.1f p99_us=%.1f max_us=%.1f\n",
         argv[2], count, window, pad, done, lost, late, seconds, (double)done / seconds, p50, p99, max);
  return lost > 0 ? 1 : 0;
}
