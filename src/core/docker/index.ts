// The docker lifecycle (issue 5): engine connection, image builds, the docker
// "droplet" (execution metadata), and running instances as containers.
export * from './engine';
export * from './build';
export * from './metadata';
export * from './run';
