// The one module that loads the Reflect metadata polyfill tsyringe needs; imported first by the container.
import 'reflect-metadata';
