{{- define "agent.pod" -}}
serviceAccountName: {{ .Release.Name }}-agent
{{- if .Values.priorityClassName }}
priorityClassName: {{ .Values.priorityClassName }}
{{- end }}
containers:
  - name: agent
    image: {{ .Values.image }}
{{- end }}
