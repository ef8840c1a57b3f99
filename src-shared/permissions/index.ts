export * from './model';
export * from './actions';
export * from './policy';
export * from './public-read';
export * from './diff';
export * from './user-policy';
export * from './evaluate';
export * from './form';
