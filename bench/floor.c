// floor: the machine's practical limit for ISIS-style routing. A raw UDP
// router that only forwards: no logging, no host-table limits, no checks
// beyond what forwarding needs. bench/run.ts measures dist/isis against it.
// usage: floor PORT [SERVERID]   (prints "floor listening on PORT")
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXN 64
static char names[MAXN][16];
static struct sockaddr_in addrs[MAXN];
static int n;

static int lookup(const char *name, size_t len) {
  for (int i = 0; i < n; i++) if (strlen(names[i]) == len && strncasecmp(names[i], name, len) == 0) return i;
  return -1;
}

int main(int argc, char **argv) {
  int port = argc > 1 ? atoi(argv[1]) : 0;
  const char *sid = argc > 2 ? argv[2] : "IS";
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  int big = 8 << 20; setsockopt(s, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  struct sockaddr_in me = {0}; me.sin_family = AF_INET; me.sin_port = htons(port); me.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(s, (void *)&me, sizeof me) < 0) { perror("bind"); return 1; }
  socklen_t ml = sizeof me; getsockname(s, (void *)&me, &ml);
  printf("floor listening on %d\n", ntohs(me.sin_port)); fflush(stdout);
  char buf[8192], out[8192];
  for (;;) {
    struct sockaddr_in from; socklen_t fl = sizeof from;
    ssize_t len = recvfrom(s, buf, sizeof buf - 1, 0, (void *)&from, &fl);
    if (len <= 0) continue;
    buf[len] = 0;
    char *gt = memchr(buf, '>', len); if (!gt) continue;
    char *sp = memchr(gt, ' ', len - (gt - buf)); size_t dl = sp ? (size_t)(sp - gt - 1) : (size_t)(len - (gt - buf) - 1);
    size_t sl = gt - buf; if (sl == 0 || sl > 15) continue;
    int src = lookup(buf, sl);
    if (src < 0 && n < MAXN) { src = n++; memcpy(names[src], buf, sl); names[src][sl] = 0; }
    if (src >= 0) addrs[src] = from;
    if (dl == strlen(sid) && strncasecmp(gt + 1, sid, dl) == 0) {
      int m = snprintf(out, sizeof out, "%s>%.*s PONG\r", sid, (int)sl, buf);
      sendto(s, out, m, 0, (void *)&from, fl);
      continue;
    }
    int dst = lookup(gt + 1, dl);
    if (dst >= 0) sendto(s, buf, len, 0, (void *)&addrs[dst], sizeof addrs[dst]);
  }
}
