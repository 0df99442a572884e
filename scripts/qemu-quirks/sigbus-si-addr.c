/* qemu-user 7.2 and si_addr of a SIGBUS from a truncated file (see README.md here).
 *
 * Maps two pages of a memfd, truncates the file to one page, reads the second page and
 * prints si_code and si_addr as the SIGBUS handler receives them, next to the address
 * that was read. On a kernel both addresses are equal (s390x: si_addr is the 4 KiB page,
 * here the same). Build with any C compiler, e.g.
 *   powerpc64-linux-gnu-gcc -static -O2 -o repro sigbus-si-addr.c && qemu-ppc64 ./repro
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static volatile char *volatile target;

static void on_bus(int sig, siginfo_t *info, void *uc)
{
    (void)uc;
    printf("signal %d si_code %d si_addr %p expected %p: %s\n", sig, info->si_code,
           info->si_addr, (void *)target,
           info->si_addr == (void *)target ? "same" : "DIFFERENT");
    fflush(stdout);
    _exit(info->si_addr == (void *)target ? 0 : 1);
}

int main(void)
{
    long page = sysconf(_SC_PAGESIZE);
    int fd = memfd_create("repro", 0);
    if (fd < 0 || ftruncate(fd, 2 * page) != 0)
        return 2;
    char *p = mmap(NULL, 2 * page, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED || ftruncate(fd, page) != 0)
        return 2;
    struct sigaction sa = {0};
    sa.sa_sigaction = on_bus;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGBUS, &sa, NULL);
    target = p + page;
    (void)*target;
    puts("no SIGBUS");
    return 3;
}
