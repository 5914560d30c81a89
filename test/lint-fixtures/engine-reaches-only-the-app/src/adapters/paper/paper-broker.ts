export class PaperBroker {}
