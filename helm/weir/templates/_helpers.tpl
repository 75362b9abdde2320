{{- define "weir.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}{{ .Release.Name | trunc 63 | trimSuffix "-" }}{{- else -}}{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{- define "weir.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "weir.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{- define "weir.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/* "true" when something other than the Deployment owns its replica count (an HPA or KEDA). */}}
{{- define "weir.autoscaled" -}}
{{- if and .svc.autoscaling .svc.autoscaling.enabled -}}true
{{- else if and .root.Values.lagAutoscaling.mode (hasKey .root.Values.lagAutoscaling.stages .name) -}}true
{{- end -}}
{{- end -}}

{{/* The topic a stage's lag is measured on; empty for sessionize (every weir.logs.* topic its group reads). */}}
{{- define "weir.stageInputTopic" -}}
{{- $ns := .root.Values.topicNamespace -}}
{{- if has .name (list "window" "score") -}}{{ if $ns }}{{ $ns }}.{{ end }}weir.sessions{{- end -}}
{{- end -}}

{{/* The Kafka connection as env entries, for pods that run before the common ConfigMap exists (hooks). */}}
{{- define "weir.connectionEnv" -}}
- { name: KAFKA_BROKERS, value: {{ .Values.kafka.brokers | quote }} }
- { name: KAFKA_SSL, value: {{ .Values.kafka.ssl | quote }} }
{{- with .Values.topicNamespace }}
- { name: WEIR_TOPIC_NAMESPACE, value: {{ . | quote }} }
{{- end }}
{{- with .Values.groupPrefix }}
- { name: WEIR_GROUP_PREFIX, value: {{ . | quote }} }
{{- end }}
{{- with .Values.kafka.sasl.mechanism }}
- { name: KAFKA_SASL_MECHANISM, value: {{ . | quote }} }
{{- end }}
{{- if .Values.kafka.sasl.existingSecret }}
- name: KAFKA_SASL_USERNAME
  valueFrom: { secretKeyRef: { name: {{ .Values.kafka.sasl.existingSecret }}, key: username } }
- name: KAFKA_SASL_PASSWORD
  valueFrom: { secretKeyRef: { name: {{ .Values.kafka.sasl.existingSecret }}, key: password } }
{{- end }}
{{- if .Values.kafka.tlsSecret }}
- { name: KAFKA_SSL_CA_FILE, value: /etc/weir/kafka-tls/ca.crt }
- { name: KAFKA_SSL_CERT_FILE, value: /etc/weir/kafka-tls/tls.crt }
- { name: KAFKA_SSL_KEY_FILE, value: /etc/weir/kafka-tls/tls.key }
{{- end }}
{{- end -}}
