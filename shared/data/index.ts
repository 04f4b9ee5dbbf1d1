/** The data layer in one import: the Table contract, loaders, the embedded census generator, encoder, splits, MNIST images. */
export * from './table';
export * from './errors';
export * from './csv';
export * from './adult';
export * from './census';
export * from './encoder';
export * from './split';
export * from './mnist';
