package config

import "github.com/caarlos0/env/v11"

// Variables returns the names of every environment variable Srok reads
// (the ones `srok config` prints), in the order of Config. Deployment files
// (docker-compose.yml) are checked against it.
func Variables() []string {
	params, err := env.GetFieldParams(&Config{})
	if err != nil {
		panic("config: " + err.Error()) // Config's tags are fixed at compile time; TestConfigVariables parses them
	}
	out := make([]string, 0, len(params))
	for _, p := range params {
		out = append(out, p.Key)
	}
	return out
}
