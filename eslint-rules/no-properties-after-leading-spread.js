// An object literal that starts with a spread and then sets more properties (`{ ...a, b }`,
// `{ ...a, ...b }`): on Node 20's V8 the copy `...a` makes gets its further properties in a way
// that sends it, and the young objects it points to, into the old space. Built once per call it
// was most of what the gateway promoted: about 490 of 500 bytes per call at 500 calls/s, 70 after
// (docs/benchmarks.md, "What the calls left in the old space"). Garbage there stays until a major
// collection, so it is what the gateway's RSS grew by after a burst. A literal that starts with a
// property does not do it, nor Object.assign({}, a, { b }). Also refused: Object.assign({ ...a }, b).
// Not seen by the rule, the same thing in two statements: `const o = { ...a }; o.b = x;`.

/** @type {import('eslint').Rule.RuleModule} */
export default {
  meta: {
    type: 'problem',
    docs: { description: 'Disallow object literals that start with a spread and then set more properties' },
    messages: {
      spreadThenProperties:
        'Starts with a spread and then sets more properties, which V8 promotes to the old space: write Object.assign({}, a, { ... }) for objects of our own, or start the literal with a property (docs/benchmarks.md, "What the calls left in the old space").',
    },
    schema: [],
  },
  create(context) {
    const startsWithSpread = (node) => node?.type === 'ObjectExpression' && node.properties[0]?.type === 'SpreadElement';
    return {
      ObjectExpression(node) {
        if (startsWithSpread(node) && node.properties.length > 1) context.report({ node, messageId: 'spreadThenProperties' });
      },
      // Object.assign({ ...a }, b): the same copy, given b's properties afterwards.
      CallExpression(node) {
        const callee = node.callee;
        const isAssign = callee.type === 'MemberExpression' && !callee.computed && callee.object.type === 'Identifier'
          && callee.object.name === 'Object' && callee.property.type === 'Identifier' && callee.property.name === 'assign';
        if (isAssign && startsWithSpread(node.arguments[0]) && node.arguments.length > 1) context.report({ node, messageId: 'spreadThenProperties' });
      },
    };
  },
};
