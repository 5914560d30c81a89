export class AlpacaClient {}
