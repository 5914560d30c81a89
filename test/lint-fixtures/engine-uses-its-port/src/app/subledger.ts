export interface Subledger {
  readonly id: string;
}
