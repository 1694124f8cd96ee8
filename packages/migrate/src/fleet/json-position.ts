/** Thrown by the scanner at the first character that cannot continue a JSON text. */
class Stop extends Error {}

const whitespace = " \t\n\r";
const escapes = '"\\/bfnrt';
const isDigit = (c: string) => c >= "0" && c <= "9";
const isHex = (c: string) => /^[0-9a-fA-F]$/.test(c);

/** A JSON grammar walker that only tracks how far it got; `i` is where it stopped. */
class Scanner {
  i = 0;
  constructor(private readonly text: string) {}

  private at(): string {
    return this.text.charAt(this.i);
  }

  private stop(): never {
    throw new Stop();
  }

  private skip(): void {
    while (this.at() !== "" && whitespace.includes(this.at())) this.i++;
  }

  private take(c: string): void {
    if (this.at() !== c) this.stop();
    this.i++;
  }

  /** Like V8, stop at the character that breaks a token, not at the token's start. */
  private some(ok: (c: string) => boolean, count = Number.POSITIVE_INFINITY): void {
    if (!ok(this.at())) this.stop();
    for (let n = 0; n < count && ok(this.at()); n++) this.i++;
  }

  value(): void {
    this.skip();
    const c = this.at();
    if (c === "{") this.members("}", () => this.pair());
    else if (c === "[") this.members("]", () => this.value());
    else if (c === '"') this.string();
    else if (c === "-" || isDigit(c)) this.number();
    else {
      const literal = ["true", "false", "null"].find((l) => l.startsWith(c)) ?? this.stop();
      for (const l of literal) this.take(l);
    }
  }

  /** Objects and arrays alike: members separated by commas, no trailing comma. */
  private members(close: string, member: () => void): void {
    this.i++;
    this.skip();
    if (this.at() === close) {
      this.i++;
      return;
    }
    for (;;) {
      member();
      this.skip();
      if (this.at() !== ",") break;
      this.i++;
    }
    this.take(close);
  }

  private pair(): void {
    this.skip();
    this.string();
    this.skip();
    this.take(":");
    this.value();
  }

  private string(): void {
    this.take('"');
    for (;;) {
      const c = this.at();
      if (c === "" || c < " ") this.stop();
      this.i++;
      if (c === '"') return;
      if (c !== "\\") continue;
      if (this.at() === "u") {
        this.i++;
        for (let n = 0; n < 4; n++) this.some(isHex, 1);
      } else if (this.at() !== "" && escapes.includes(this.at())) this.i++;
      else this.stop();
    }
  }

  private number(): void {
    if (this.at() === "-") this.i++;
    if (this.at() === "0") this.i++;
    else this.some(isDigit);
    if (this.at() === ".") {
      this.i++;
      this.some(isDigit);
    }
    if (this.at() !== "e" && this.at() !== "E") return;
    this.i++;
    if (this.at() === "+" || this.at() === "-") this.i++;
    this.some(isDigit);
  }

  /** After the one value, only whitespace may follow. */
  end(): void {
    this.skip();
    if (this.at() !== "") this.stop();
  }
}

/**
 * The offset of the first character of `text` that breaks JSON's grammar (`text.length` when
 * it ends too early). Node 20's JSON.parse reports no position for an unexpected token and
 * quotes the text around it instead, which may hold a password: this finds the place.
 */
export function jsonErrorOffset(text: string): number {
  const scanner = new Scanner(text);
  try {
    scanner.value();
    scanner.end();
  } catch {
    // Stop, or a stack overflow on absurd nesting: either way `i` is as far as it got.
  }
  return scanner.i;
}
