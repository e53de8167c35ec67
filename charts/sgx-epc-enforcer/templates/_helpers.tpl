{{/* Base name of every object: the release name when it already contains the chart name. */}}
{{- define "epc.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "epc.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Standard labels; pass (dict "ctx" $ "component" "agent"). */}}
{{- define "epc.labels" -}}
helm.sh/chart: {{ include "epc.chart" .ctx }}
app.kubernetes.io/name: {{ .ctx.Chart.Name }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: sgx-epc-enforcer
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end -}}

{{/* Selector labels (immutable once installed). */}}
{{- define "epc.selectorLabels" -}}
app.kubernetes.io/name: {{ .ctx.Chart.Name }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "epc.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "epc.webhookService" -}}{{ include "epc.fullname" . }}-webhook{{- end -}}
{{- /* The agent metrics Service: prometheus-operator names the job of its targets after it. */ -}}
{{- define "epc.agentMetricsService" -}}{{ include "epc.fullname" . }}-agent-metrics{{- end -}}
{{- define "epc.webhookSecret" -}}{{ include "epc.fullname" . }}-webhook-tls{{- end -}}

{{/* The agent's EPC backend: explicit value, else by mode. */}}
{{- define "epc.agentBackend" -}}
{{- if .Values.agent.epcBackend -}}{{ .Values.agent.epcBackend }}{{- else if eq .Values.mode "model" -}}model{{- else -}}cgroupfs{{- end -}}
{{- end -}}

{{/* Namespaces the webhook leaves alone: kube-system, ours, the cluster's node DaemonSets' (systemNamespaces) and the extra ones. */}}
{{- define "epc.excludedNamespaces" -}}
{{- $ns := list "kube-system" .Values.namespaces.agent .Values.namespaces.webhook -}}
{{- range .Values.webhook.systemNamespaces -}}{{- $ns = append $ns . -}}{{- end -}}
{{- range .Values.webhook.extraExcludedNamespaces -}}{{- $ns = append $ns . -}}{{- end -}}
{{- toJson (uniq $ns) -}}
{{- end -}}

{{- define "epc.podSecurityContainer" -}}
privileged: false
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* The agent's --enforce value: auto | true | false (booleans from --set accepted). */}}
{{- define "epc.agentEnforce" -}}
{{- toString .Values.agent.enforce -}}
{{- end -}}

{{/* Selector labels of the agent pods, also the agent metrics Service's selector. */}}
{{- define "epc.agentSelector" -}}
{{- include "epc.selectorLabels" (dict "ctx" . "component" "agent") -}}
{{- end -}}

{{/*
The webhooks' matchConditions expression: true for a pod that touches SGX, i.e. every pod the
webhook's rules (src/webhook/review-pod.ts) can deny, mutate or warn about: a container of any
kind (containers, initContainers, ephemeralContainers) that declares the EPC, enclave or
provision resource or is privileged; any hostPath volume; the quote-provider or EPC annotation
(on UPDATE also the old pod's EPC annotation, which is immutable); hostPID. Every field is guarded with
has(): an expression error would fall under failurePolicy. test/deploy/match-conditions.test.ts
evaluates it with a CEL evaluator against the webhook's own decisions.
*/}}
{{- define "epc.sgxContainerCel" -}}
{{- $r := .Values.resourceNames -}}
{{- $in := printf "('%s' in %%s || '%s' in %%s || '%s' in %%s)" $r.epc $r.enclave $r.provision -}}
(has(c.securityContext) && has(c.securityContext.privileged) && c.securityContext.privileged == true) || (has(c.resources) && ((has(c.resources.requests) && {{ printf $in "c.resources.requests" "c.resources.requests" "c.resources.requests" }}) || (has(c.resources.limits) && {{ printf $in "c.resources.limits" "c.resources.limits" "c.resources.limits" }})))
{{- end -}}
{{- define "epc.sgxMatchExpression" -}}
{{- $c := include "epc.sgxContainerCel" . -}}
(has(object.metadata.annotations) && ('sgx.intel.com/quote-provider' in object.metadata.annotations || 'sgx.intel.com/epc' in object.metadata.annotations)) || (oldObject != null && has(oldObject.metadata.annotations) && 'sgx.intel.com/epc' in oldObject.metadata.annotations) || (has(object.spec.volumes) && object.spec.volumes.exists(v, has(v.hostPath))) || (has(object.spec.hostPID) && object.spec.hostPID == true) || (has(object.spec.containers) && object.spec.containers.exists(c, {{ $c }})) || (has(object.spec.initContainers) && object.spec.initContainers.exists(c, {{ $c }})) || (has(object.spec.ephemeralContainers) && object.spec.ephemeralContainers.exists(c, {{ $c }}))
{{- end -}}

{{/*
Names of the MutatingWebhookConfigurations (a list of objects as `lookup` returns them) that hold
Intel's SGX admission webhook (by its name or its /pods-sgx path, service or url; as epc doctor), joined with ", "; empty when
none. Fields are read with dig: a configuration whose webhook is called by `url` has no
clientConfig.service, and a plain field chain on it fails the whole install (nil pointer).
*/}}
{{- define "epc.intelWebhookConfigs" -}}
{{- $intel := list -}}
{{- range . -}}
{{- $cfg := . -}}
{{- range (dig "webhooks" list $cfg) -}}
{{- if or (eq (dig "name" "" .) "sgx.mutator.webhooks.intel.com") (eq (dig "clientConfig" "service" "path" "" .) "/pods-sgx") (hasSuffix "/pods-sgx" (dig "clientConfig" "url" "" .)) -}}
{{- $intel = append $intel (dig "metadata" "name" "" $cfg) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- join ", " (uniq $intel) -}}
{{- end -}}
