// The OpenTelemetry Collector (go.opentelemetry.io/collector/otelcol) with only the components
// Periscope's tests need: the OTLP receiver and the OTLP/HTTP exporter. A collector with fewer
// components builds in a fraction of the time a distribution (or Jaeger) takes. See README.md.
package main

import (
	"context"
	"io"
	"log"
	"os"
	"syscall"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/provider/envprovider"
	"go.opentelemetry.io/collector/confmap/provider/fileprovider"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/otlphttpexporter"
	"go.opentelemetry.io/collector/otelcol"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/service/telemetry"
	"go.uber.org/zap"
)

func components() (otelcol.Factories, error) {
	receivers, err := otelcol.MakeFactoryMap[receiver.Factory](otlpreceiver.NewFactory())
	if err != nil {
		return otelcol.Factories{}, err
	}
	exporters, err := otelcol.MakeFactoryMap[exporter.Factory](otlphttpexporter.NewFactory())
	if err != nil {
		return otelcol.Factories{}, err
	}
	return otelcol.Factories{Receivers: receivers, Exporters: exporters, Telemetry: quietTelemetry()}, nil
}

// quietTelemetry is the collector's own telemetry reduced to warnings and errors on stderr: no
// metrics endpoint (the standard one claims port 8888, which two test processes could not share)
// and none of the cloud resource detectors the standard factory links in. The config's
// service::telemetry section must then be left out.
func quietTelemetry() telemetry.Factory {
	type noConfig struct{}
	return telemetry.NewFactory(
		func() component.Config { return &noConfig{} },
		telemetry.WithCreateLogger(func(_ context.Context, set telemetry.LoggerSettings, _ component.Config) (*zap.Logger, component.ShutdownFunc, error) {
			cfg := zap.NewProductionConfig()
			cfg.Level = zap.NewAtomicLevelAt(zap.WarnLevel)
			if set.BuildZapLogger != nil {
				logger, err := set.BuildZapLogger(cfg)
				return logger, nil, err
			}
			logger, err := cfg.Build()
			return logger, nil, err
		}),
	)
}

// exitWithStdin shuts the collector down (SIGTERM to itself, as a supervisor would) once stdin
// reaches EOF: a collector owned by a test process then ends with it, even when that process is
// SIGKILLed. A shutdown that hangs is cut short.
func exitWithStdin() {
	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
	time.AfterFunc(10*time.Second, func() { os.Exit(1) })
}

func main() {
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "--exit-with-stdin" {
		args = args[1:]
		go exitWithStdin()
	}
	cmd := otelcol.NewCommand(otelcol.CollectorSettings{
		BuildInfo: component.BuildInfo{Command: "periscope-otelcol", Description: "OpenTelemetry Collector for Periscope's tests", Version: "0.165.0"},
		Factories: components,
		ConfigProviderSettings: otelcol.ConfigProviderSettings{
			ResolverSettings: confmap.ResolverSettings{
				ProviderFactories: []confmap.ProviderFactory{fileprovider.NewFactory(), envprovider.NewFactory()},
				DefaultScheme:     "env",
			},
		},
	})
	cmd.SetArgs(args)
	if err := cmd.Execute(); err != nil {
		log.Fatal(err)
	}
}
