{{/* The chart's name, cut to the 63 characters of a label value. */}}
{{- define "trro-exporter.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The objects' name: the release's, with the chart's unless it holds it. */}}
{{- define "trro-exporter.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "trro-exporter.selectorLabels" -}}
app.kubernetes.io/name: {{ include "trro-exporter.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "trro-exporter.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "trro-exporter.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: trro-monitoring
{{- end }}

{{- define "trro-exporter.image" -}}
{{- $repo := printf "%s/%s" .Values.image.registry .Values.image.repository | trimPrefix "/" }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" $repo .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" $repo (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{- define "trro-exporter.secretName" -}}
{{- .Values.credentials.existingSecret | default (printf "%s-credentials" (include "trro-exporter.fullname" .)) }}
{{- end }}

{{- define "trro-exporter.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "trro-exporter.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* config.yml: config, with accounts when there are any. */}}
{{- define "trro-exporter.config" -}}
{{- $config := deepCopy .Values.config }}
{{- if .Values.accounts }}
{{- $_ := set $config "accounts" .Values.accounts }}
{{- end }}
{{- toYaml $config }}
{{- end }}
