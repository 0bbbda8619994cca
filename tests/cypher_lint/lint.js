// Reads a JSON array of Cypher statements on stdin and writes, as JSON, the problems Neo4j's own
// linter finds in each: syntax errors, undefined variables, type errors and deprecations.
// Parameters are supplied at run time, so "parameter not defined" notices are dropped.
const { lintCypherQuery, isNotParamError } = require('@neo4j-cypher/language-support');

let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const statements = JSON.parse(input);
  const results = statements.map((query) => ({
    query,
    problems: lintCypherQuery(query, {}).diagnostics
      .filter(isNotParamError)
      .map((d) => ({ severity: d.severity, message: d.message })),
  }));
  process.stdout.write(JSON.stringify(results));
});
