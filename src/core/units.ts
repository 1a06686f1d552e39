// Byte units, defined once: mqleak's MB is the binary megabyte (MiB), as the kernel's /proc figures are.

export const KIB = 1024;
export const MIB = 1024 * KIB;
export const GIB = 1024 * MIB;
