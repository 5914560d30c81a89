export interface BrokerPort {
  submit(qty: bigint): Promise<string>;
}
