/** `--username` / `--password` (or MQLEAK_USERNAME / MQLEAK_PASSWORD): for brokers that refuse anonymous clients. */
export interface Credentials {
  username: string;
  password?: string;
}
