"""Templates of `orion modules new` (see `orion.kernel.scaffold`), rendered with
`string.Template`: `${code}`, `${package}`, `${Name}`, `${title}`, `${table}` and friends."""
