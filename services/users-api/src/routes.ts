import { z } from 'zod';
import { type AnyRoute, defineRoute } from './router.ts';
import {
  ErrorBody,
  Health,
  ListQuery,
  RegisterRequest,
  UpdateRequest,
  User,
  UserList,
  UserPath,
  Verified,
  VerifyRequest,
} from './schemas.ts';
import type { UsersService } from './service.ts';

const error = (description: string) => ({ description, schema: ErrorBody });
const INVALID = error('Invalid input: the message and `field` name what is wrong.');
const UNKNOWN = error('No user with this id.');

/** Every route of the API; the router serves them and the OpenAPI document lists them. */
export function createRoutes(deps: {
  service: UsersService;
  ping: () => void;
  openapi: () => unknown;
}): AnyRoute[] {
  const { service } = deps;
  return [
    defineRoute({
      method: 'GET',
      path: '/healthz',
      operationId: 'health',
      summary: 'Liveness: the process is up and the database answers',
      public: true,
      responses: { 200: { description: 'Up.', schema: Health } },
      handle: () => {
        deps.ping();
        return { status: 200, body: { status: 'ok' } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/openapi.json',
      operationId: 'openapi',
      summary: 'This OpenAPI 3.1 document',
      responses: { 200: { description: 'The document.', schema: z.record(z.string(), z.unknown()) } },
      handle: () => ({ status: 200, body: deps.openapi() }),
    }),
    defineRoute({
      method: 'POST',
      path: '/users/register',
      operationId: 'registerUser',
      summary: 'Register a user',
      description: 'The password is stored only as a salted scrypt hash and never returned.',
      body: RegisterRequest,
      responses: {
        201: { description: 'Registered.', schema: User },
        400: INVALID,
        409: error('The username or email is taken (`field` says which).'),
        422: INVALID,
      },
      handle: async ({ body }) => {
        const user = await service.register(body);
        return { status: 201, body: user, headers: { location: `/users/${user.id}` } };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/users/verify',
      operationId: 'verifyPassword',
      summary: "Check a user's password",
      description: 'Takes the same time whether or not the user exists.',
      body: VerifyRequest,
      responses: {
        200: { description: 'The password is right.', schema: Verified },
        401: error('Wrong username or password (which one is not said), or a missing or wrong API key.'),
        422: INVALID,
      },
      handle: async ({ body }) => {
        const id = await service.verify(body.username, body.password);
        if (id === undefined) {
          return {
            status: 401,
            body: { error: { code: 'UNAUTHORIZED', message: 'wrong username or password' } },
          };
        }
        return { status: 200, body: { valid: true, id } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/users',
      operationId: 'listUsers',
      summary: 'List users, a page at a time, optionally searching',
      query: ListQuery,
      responses: { 200: { description: 'A page, oldest first.', schema: UserList }, 400: INVALID },
      handle: ({ query }) => ({ status: 200, body: service.list(query) }),
    }),
    defineRoute({
      method: 'GET',
      path: '/users/{id}',
      operationId: 'getUser',
      summary: 'Get one user',
      params: UserPath,
      responses: { 200: { description: 'The user.', schema: User }, 400: INVALID, 404: UNKNOWN },
      handle: ({ params }) => ({ status: 200, body: service.get(params.id) }),
    }),
    defineRoute({
      method: 'PATCH',
      path: '/users/{id}',
      operationId: 'updateUser',
      summary: "Change a user's email and/or password",
      params: UserPath,
      body: UpdateRequest,
      responses: {
        200: { description: 'The updated user.', schema: User },
        400: INVALID,
        404: UNKNOWN,
        409: error('The email is taken.'),
        422: INVALID,
      },
      handle: async ({ params, body }) => ({ status: 200, body: await service.update(params.id, body) }),
    }),
    defineRoute({
      method: 'DELETE',
      path: '/users/{id}',
      operationId: 'deleteUser',
      summary: 'Delete a user',
      params: UserPath,
      responses: { 204: { description: 'Deleted.' }, 400: INVALID, 404: UNKNOWN },
      handle: ({ params }) => {
        service.remove(params.id);
        return { status: 204 };
      },
    }),
  ];
}
