// placeholder until the customer-db server lands
export {};
