"""Templates of `orion modules new` (see `orion.kernel.tooling.scaffold`), rendered with
`string.Template`: `${code}`, `${package}`, `${Model}`, `${title}`, `${table}` and friends."""
