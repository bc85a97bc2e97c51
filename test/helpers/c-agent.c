// An ISIS agent that reads messages the way the field's agents do, for the
// adversarial suite (test/e2e/adversary.test.ts). The field's C client
// library splits a datagram with sscanf("%s %s %[^\n]"): `%s` stops at, and
// the spaces of the format skip, any character isspace() takes (space, TAB,
// LF, VT, FF, CR); the second word, compared with strcasecmp(), is the
// message type, EXEC: running the command with executive override; any other
// word makes an implicit REQ: whose command is that word. Written here from
// that behaviour (rwpogge/MODS2025 ISIS/isisClient/isismessage.c describes
// it), in C so that sscanf and isspace are the C library's own.
//
// usage: c-agent NAME SERVER_PORT
// Binds 127.0.0.1 (any port), sends NAME>IS PING to 127.0.0.1:SERVER_PORT and
// prints, for every datagram it then receives, one line:
//   type=EXEC command=quit
// (type one of STATUS DONE ERROR WARNING FATAL EXEC REQ, or BAD when the
// library would call it invalid). It exits when its stdin closes.
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

enum { MAX = 4096 };

static const char *TYPES[] = {"STATUS:", "DONE:", "ERROR:", "WARNING:", "FATAL:", "EXEC:", "REQ:"};

static void describe(char *text) {
  static char header[MAX], type[MAX], body[MAX], command[MAX];
  header[0] = type[0] = body[0] = command[0] = 0;
  // Invalid for the library: no header with a '>', or nothing after it.
  if (sscanf(text, "%s %[^\n]", header, body) < 2 || !strchr(header, '>')) {
    printf("type=BAD\n");
    return;
  }
  size_t n = strlen(text);
  if (n > 0 && text[n - 1] == '\n') text[--n] = 0;
  if (n > 0 && text[n - 1] == '\r') text[--n] = 0;
  body[0] = 0;
  sscanf(text, "%s %s %[^\n]", header, type, body);
  const char *kind = "REQ";
  int typed = 0;
  for (size_t i = 0; i < sizeof TYPES / sizeof *TYPES; i++) {
    if (strcasecmp(type, TYPES[i]) == 0) {
      kind = TYPES[i];
      typed = 1;
    }
  }
  // An implicit REQ: the "type" word is the command.
  if (!typed) sscanf(text, "%s %[^\n]", header, body);
  sscanf(body, "%s", command);
  printf("type=%.*s command=%s\n", (int)strcspn(kind, ":"), kind, command);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: c-agent NAME SERVER_PORT\n");
    return 2;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in self = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (fd < 0 || bind(fd, (struct sockaddr *)&self, sizeof self) < 0) return 2;
  struct sockaddr_in server = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = htons((unsigned short)atoi(argv[2]))};
  char text[MAX + 1];
  snprintf(text, sizeof text, "%s>IS PING\r", argv[1]);
  sendto(fd, text, strlen(text), 0, (struct sockaddr *)&server, sizeof server);
  struct pollfd polls[2] = {{fd, POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
  for (;;) {
    if (poll(polls, 2, -1) < 0) return 2;
    if (polls[1].revents) {
      char drop[256];
      if (read(STDIN_FILENO, drop, sizeof drop) <= 0) return 0;
    }
    if (polls[0].revents & POLLIN) {
      ssize_t got = recv(fd, text, MAX, 0);
      if (got < 0) continue;
      text[got] = 0;
      describe(text);
    }
  }
}
