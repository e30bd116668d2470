/**
 * Only for Jest: compiles the ECMAScript-module packages of NestJS 12 to CommonJS, since Jest's
 * loader cannot require() ES modules on Node 20 (Node itself can, so the service needs none of this).
 * `import.meta.url` becomes the file's URL built from __filename (not through require(), which
 * some of those modules shadow with a local `const require = createRequire(import.meta.url)`).
 */
function importMetaToCommonJs({ types: t }) {
  return {
    visitor: {
      MetaProperty(path) {
        if (path.node.meta.name !== 'import' || path.node.property.name !== 'meta') return;
        const parent = path.parentPath;
        const key = parent.isMemberExpression() && !parent.node.computed ? parent.node.property.name : undefined;
        if (key === 'url') parent.replaceWith(t.binaryExpression('+', t.stringLiteral('file://'), t.identifier('__filename')));
        else if (key === 'dirname') parent.replaceWith(t.identifier('__dirname'));
        else if (key === 'filename') parent.replaceWith(t.identifier('__filename'));
        else if (key === 'resolve') parent.replaceWith(t.memberExpression(t.identifier('require'), t.identifier('resolve')));
        else throw path.buildCodeFrameError('unsupported use of import.meta');
      },
    },
  };
}

module.exports = {
  // dynamic-import: `import(x)` in those packages (terminus loads @nestjs/typeorm so) becomes require(),
  // else Jest loads the compiled file as an ES module and it fails with "exports is not defined"
  plugins: [importMetaToCommonJs, '@babel/plugin-transform-dynamic-import', '@babel/plugin-transform-modules-commonjs'],
};
