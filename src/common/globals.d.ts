/*
 * The few web-standard globals that both Node and the webview provide and that `common` uses.
 * `common` compiles without the DOM and Node libraries so that nothing else slips in.
 */
declare class URL {
  constructor(input: string, base?: string | URL);
  hash: string;
  host: string;
  hostname: string;
  href: string;
  password: string;
  pathname: string;
  port: string;
  protocol: string;
  search: string;
  username: string;
  toString(): string;
}
