// Reference connect-churn client for bench/scale.ts (`churn-reference`): what any generator gets from a
// broker on this machine. One process, blocking sockets, one connection at a time: connect, CONNECT
// (MQTT 3.1.1, clean session, a unique client id), read the 4-byte CONNACK, then DISCONNECT and close
// (even cycles) or close without DISCONNECT (odd cycles), like bench/churn-worker.ts. The bench runs many
// of these at once. Bounded in time (seconds) and count (max cycles); every socket call times out.
// Prints one JSON line: {"cycles":N,"failures":N,"userUs":N,"systemUs":N,"elapsedMs":N}.
//   gcc -O2 -o churn churn.c && ./churn 127.0.0.1 1883 10 1000000 0
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* A socket call blocked this long fails the cycle (and so bounds the run even against a stuck broker). */
#define IO_TIMEOUT_SECONDS 5

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* CONNECT for MQTT 3.1.1: clean session, keepalive 60, the given client id (< 128 bytes in all). */
static int encode_connect(unsigned char *out, const char *client_id) {
  size_t id_length = strlen(client_id);
  int n = 0;
  out[n++] = 0x10;
  out[n++] = (unsigned char)(10 + 2 + id_length);
  const unsigned char header[] = {0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 60};
  memcpy(out + n, header, sizeof header);
  n += sizeof header;
  out[n++] = (unsigned char)(id_length >> 8);
  out[n++] = (unsigned char)(id_length & 0xff);
  memcpy(out + n, client_id, id_length);
  return n + (int)id_length;
}

/* One cycle; 0 when the broker accepted the connection. */
static int cycle(const struct sockaddr_in *address, const char *client_id, int polite) {
  static const unsigned char disconnect[] = {0xe0, 0x00};
  unsigned char connect_packet[160];
  unsigned char connack[4];
  struct timeval timeout = {IO_TIMEOUT_SECONDS, 0};
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  int result = -1;
  if (connect(fd, (const struct sockaddr *)address, sizeof *address) == 0) {
    int length = encode_connect(connect_packet, client_id);
    if (write(fd, connect_packet, (size_t)length) == length) {
      size_t got = 0;
      while (got < sizeof connack) {
        ssize_t n = read(fd, connack + got, sizeof connack - got);
        if (n <= 0) break;
        got += (size_t)n;
      }
      if (got == sizeof connack && connack[0] == 0x20 && connack[3] == 0) {
        result = 0;
        if (polite && write(fd, disconnect, sizeof disconnect) != sizeof disconnect) result = -1;
      }
    }
  }
  close(fd);
  return result;
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: %s HOST PORT SECONDS MAX_CYCLES WORKER\n", argv[0]);
    return 64;
  }
  struct sockaddr_in address;
  memset(&address, 0, sizeof address);
  address.sin_family = AF_INET;
  address.sin_port = htons((unsigned short)atoi(argv[2]));
  if (inet_pton(AF_INET, argv[1], &address.sin_addr) != 1) {
    fprintf(stderr, "churn: HOST must be an IPv4 address, got %s\n", argv[1]);
    return 64;
  }
  long long seconds = atoll(argv[3]);
  long long max_cycles = atoll(argv[4]);
  const char *worker = argv[5];
  long long started = now_ms();
  long long deadline = started + seconds * 1000;
  long long cycles = 0, failures = 0;
  char client_id[64];
  while (cycles + failures < max_cycles && now_ms() < deadline) {
    long long index = cycles + failures;
    snprintf(client_id, sizeof client_id, "ref-%s-%lld", worker, index);
    if (cycle(&address, client_id, index % 2 == 0) == 0) cycles++;
    else failures++;
  }
  long long elapsed = now_ms() - started;
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  printf("{\"cycles\":%lld,\"failures\":%lld,\"userUs\":%lld,\"systemUs\":%lld,\"elapsedMs\":%lld}\n", cycles, failures,
         (long long)usage.ru_utime.tv_sec * 1000000 + usage.ru_utime.tv_usec,
         (long long)usage.ru_stime.tv_sec * 1000000 + usage.ru_stime.tv_usec, elapsed);
  return 0;
}
