/**
 * A minimal SMTP client (node:net / node:tls, no dependency) for sending supplier files through a
 * relay: `smtps://` (TLS from the start, port 465) or `smtp://` (port 587; STARTTLS whenever the
 * relay offers it). Credentials in the URL (`smtp://user:password@relay:587`) are sent with AUTH
 * PLAIN, and only over TLS (or to a relay on this machine). One message per connection:
 * EHLO, [STARTTLS, EHLO], [AUTH], MAIL FROM, RCPT TO…, DATA (multipart/mixed, base64 parts,
 * dot-stuffed), QUIT. Header values are refused when they hold line breaks (header injection).
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import os from 'node:os';
import tls from 'node:tls';
import { EtlError } from '../../core/errors.ts';

export class SmtpError extends EtlError {}

export interface MailAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface MailMessage {
  from: string;
  to: readonly string[];
  subject: string;
  text: string;
  attachments: readonly MailAttachment[];
}

interface Reply {
  code: number;
  lines: string[];
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

function headerValue(name: string, value: string): string {
  if (/[\r\n]/.test(value)) throw new SmtpError(`mail ${name} holds a line break: refused`);
  return value;
}

/** RFC 2047 for non-ASCII header text. */
function encodeWord(text: string): string {
  return /^[\x20-\x7e]*$/.test(text) ? text : `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;
}

function base64Lines(data: Buffer): string {
  return (data.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
}

/** The message as sent after DATA (without the final dot), lines ending CRLF. */
export function mimeMessage(m: MailMessage, now = new Date()): string {
  const boundary = `mfg-etl-${randomBytes(12).toString('hex')}`;
  const domain = m.from.split('@')[1] ?? 'localhost';
  const lines = [
    `From: ${headerValue('From', m.from)}`,
    `To: ${m.to.map((t) => headerValue('To', t)).join(', ')}`,
    `Subject: ${encodeWord(headerValue('Subject', m.subject))}`,
    `Date: ${now.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${randomBytes(16).toString('hex')}@${domain}>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    base64Lines(Buffer.from(m.text, 'utf8')),
  ];
  for (const a of m.attachments) {
    const name = headerValue('attachment name', a.filename).replace(/"/g, '');
    lines.push(
      `--${boundary}`,
      `Content-Type: ${headerValue('attachment type', a.contentType)}; name="${name}"`,
      'Content-Transfer-Encoding: base64',
      `Content-Disposition: attachment; filename="${name}"`,
      '',
      base64Lines(a.content),
    );
  }
  lines.push(`--${boundary}--`);
  // dot-stuffing: a line starting with "." gets another
  return lines.map((l) => (l.startsWith('.') ? `.${l}` : l)).join('\r\n');
}

class Connection {
  private buffer = '';
  private waiting: Array<(r: Reply | Error) => void> = [];
  private replies: Array<Reply | Error> = [];
  private current: string[] = [];

  constructor(
    public socket: net.Socket,
    private readonly timeoutMs: number,
  ) {
    this.attach(socket);
  }

  attach(socket: net.Socket): void {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', (err) => this.push(err));
    socket.on('close', () => this.push(new SmtpError('the SMTP relay closed the connection')));
  }

  detach(): void {
    this.socket.removeAllListeners('data');
    this.socket.removeAllListeners('error');
    this.socket.removeAllListeners('close');
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let i: number;
    while ((i = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, i).replace(/\r$/, '');
      this.buffer = this.buffer.slice(i + 1);
      this.current.push(line.slice(4));
      if (line[3] !== '-') {
        this.push({ code: Number(line.slice(0, 3)), lines: this.current });
        this.current = [];
      }
    }
  }

  private push(r: Reply | Error): void {
    const next = this.waiting.shift();
    if (next) next(r);
    else this.replies.push(r);
  }

  reply(): Promise<Reply> {
    const ready = this.replies.shift();
    if (ready) return ready instanceof Error ? Promise.reject(ready) : Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new SmtpError(`the SMTP relay did not answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      this.waiting.push((r) => {
        clearTimeout(timer);
        if (r instanceof Error) reject(r);
        else resolve(r);
      });
    });
  }

  async command(line: string | null, expect: number[], shown = line): Promise<Reply> {
    if (line !== null) this.socket.write(`${line}\r\n`);
    const r = await this.reply();
    if (!expect.includes(r.code))
      throw new SmtpError(`SMTP relay refused ${shown ?? 'the connection'}: ${r.code} ${r.lines.join(' ')}`, {
        context: { code: r.code },
      });
    return r;
  }
}

function connect(url: URL, timeoutMs: number): Promise<net.Socket> {
  const secure = url.protocol === 'smtps:';
  const port = Number(url.port || (secure ? 465 : 587));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    const socket = secure ? tls.connect({ host, port, servername: host }) : net.connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new SmtpError(`cannot reach the SMTP relay ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(new SmtpError(`cannot reach the SMTP relay ${host}:${port}: ${err.message}`, { cause: err }));
    });
  });
}

/** Sends one message through the relay `smtpUrl`; throws SmtpError with the relay's answer. */
export async function sendMail(smtpUrl: string, m: MailMessage, o: { timeoutMs?: number } = {}): Promise<void> {
  const url = new URL(smtpUrl);
  const timeoutMs = o.timeoutMs ?? 30_000;
  if (m.to.length === 0) throw new SmtpError('no recipient');
  const c = new Connection(await connect(url, timeoutMs), timeoutMs);
  try {
    const hello = `EHLO ${os.hostname().replace(/[^A-Za-z0-9.-]/g, '') || 'localhost'}`;
    await c.command(null, [220]);
    let ehlo = await c.command(hello, [250]);
    let secure = url.protocol === 'smtps:';
    if (!secure && ehlo.lines.some((l) => /^STARTTLS\b/i.test(l))) {
      await c.command('STARTTLS', [220]);
      c.detach();
      const plain = c.socket;
      const upgraded = await new Promise<tls.TLSSocket>((resolve, reject) => {
        const s = tls.connect({ socket: plain, servername: url.hostname }, () => resolve(s));
        s.once('error', (err) => reject(new SmtpError(`STARTTLS with the SMTP relay failed: ${err.message}`, { cause: err })));
      });
      c.attach(upgraded);
      secure = true;
      ehlo = await c.command(hello, [250]);
    }
    if (url.username) {
      if (!secure && !LOOPBACK.has(url.hostname))
        throw new SmtpError('the SMTP relay offers no TLS: credentials are not sent in clear text (use smtps:// or a relay with STARTTLS)');
      const token = Buffer.from(`\u0000${decodeURIComponent(url.username)}\u0000${decodeURIComponent(url.password)}`).toString('base64');
      await c.command(`AUTH PLAIN ${token}`, [235], 'AUTH PLAIN');
    }
    await c.command(`MAIL FROM:<${headerValue('From', m.from)}>`, [250]);
    for (const to of m.to) await c.command(`RCPT TO:<${headerValue('To', to)}>`, [250, 251]);
    await c.command('DATA', [354]);
    await c.command(`${mimeMessage(m)}\r\n.`, [250], 'the message');
    await c.command('QUIT', [221]).catch(() => undefined);
  } finally {
    c.detach();
    c.socket.destroy();
  }
}
