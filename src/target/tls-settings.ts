import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import tls from 'node:tls';
import { errorMessage, usageError } from '../core/errors.js';
import type { TlsSettings } from '../net/broker-address.js';

/** The TLS flags of `mqleak run` as given: file names, not yet read. */
export interface TlsFlags {
  ca?: string;
  cert?: string;
  key?: string;
  insecure?: boolean;
  servername?: string;
}

async function readPem(flag: string, file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw usageError(
      `${flag} ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? errorMessage(error)})`,
      `${flag} takes a PEM file`,
    );
  }
}

/**
 * Reads `--ca`, `--cert` and `--key` and checks them before any connection is made: a file that is not
 * PEM, or a certificate without its key, is a usage error naming the flag (exit 64), not a handshake
 * failure blamed on the broker later.
 */
export async function loadTlsSettings(flags: TlsFlags): Promise<TlsSettings> {
  if ((flags.cert === undefined) !== (flags.key === undefined)) {
    throw usageError(
      flags.cert === undefined ? `--key ${flags.key ?? ''} without --cert` : `--cert ${flags.cert} without --key`,
      'a client certificate needs both --cert FILE and --key FILE (PEM)',
    );
  }
  if (flags.servername === '')
    throw usageError(
      '--servername is empty',
      "give the host name the broker's certificate is for, e.g. --servername broker.example.com",
    );
  const settings: TlsSettings = { insecure: flags.insecure === true };
  if (flags.servername !== undefined) settings.servername = flags.servername;
  if (flags.ca !== undefined) {
    settings.ca = await readPem('--ca', flags.ca);
    settings.caFile = flags.ca;
    try {
      // createSecureContext takes a file without any certificate in silence: parse the first one.
      new X509Certificate(settings.ca);
      tls.createSecureContext({ ca: settings.ca });
    } catch (error) {
      throw usageError(
        `--ca ${flags.ca}: not a PEM certificate (${errorMessage(error)})`,
        "--ca takes the PEM file of the CA that signed the broker's certificate",
      );
    }
  }
  if (flags.cert !== undefined && flags.key !== undefined) {
    settings.cert = await readPem('--cert', flags.cert);
    settings.certFile = flags.cert;
    settings.key = await readPem('--key', flags.key);
    try {
      tls.createSecureContext({ cert: settings.cert });
    } catch (error) {
      throw usageError(
        `--cert ${flags.cert}: not a PEM certificate (${errorMessage(error)})`,
        '--cert takes the client certificate as a PEM file',
      );
    }
    try {
      tls.createSecureContext({ cert: settings.cert, key: settings.key });
    } catch (error) {
      throw usageError(
        `--key ${flags.key}: not the PEM private key of --cert ${flags.cert} (${errorMessage(error)})`,
        '--key takes the unencrypted PEM key that belongs to --cert',
      );
    }
  }
  return settings;
}
