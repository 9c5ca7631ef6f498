// The trro-licenses dashboard: Grafana JSON with the mixin's parameters in
// place of its thresholds. c is the mixin's _config, f the same with the
// figures the texts print (percent, milliseconds).
function(c, f)
  {
    "uid": "trro-licenses",
    "title": "TRRO / Licenses",
    "description": "TRRO license counts, licenses and device authorizations by days left, and monthly usage against limits, from trro_exporter.",
    "editable": false,
    "tags": [
      "trro"
    ],
    "schemaVersion": 39,
    "version": 1,
    "time": {
      "from": "now-6h",
      "to": "now"
    },
    "refresh": "1m",
    "timezone": "",
    "graphTooltip": 1,
    "annotations": {
      "list": []
    },
    "links": [
      {
        "title": "TRRO dashboards",
        "type": "dashboards",
        "tags": [
          "trro"
        ],
        "asDropdown": true,
        "includeVars": true,
        "keepTime": true,
        "targetBlank": false,
        "icon": "external link",
        "tooltip": "",
        "url": ""
      }
    ],
    "templating": {
      "list": [
        {
          "name": "datasource",
          "label": "Data source",
          "type": "datasource",
          "query": "prometheus",
          "current": {
            "selected": false,
            "text": "",
            "value": ""
          },
          "hide": 0,
          "options": [],
          "refresh": 1,
          "regex": ""
        },
        {
          "name": "job",
          "label": "Job",
          "type": "query",
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "definition": "label_values({__name__=~\"trro_up|trro_project_info\"}, job)",
          "query": {
            "query": "label_values({__name__=~\"trro_up|trro_project_info\"}, job)",
            "refId": "job"
          },
          "refresh": 2,
          "sort": 1,
          "hide": 0,
          "current": {
            "selected": false,
            "text": "",
            "value": ""
          },
          "options": [],
          "regex": "",
          "includeAll": false,
          "multi": false
        },
        {
          "name": "instance",
          "label": "Instance",
          "type": "query",
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "definition": "label_values({__name__=~\"trro_up|trro_project_info\",job=~\"$job\"}, instance)",
          "query": {
            "query": "label_values({__name__=~\"trro_up|trro_project_info\",job=~\"$job\"}, instance)",
            "refId": "instance"
          },
          "refresh": 2,
          "sort": 1,
          "hide": 0,
          "current": {
            "selected": true,
            "text": [
              "All"
            ],
            "value": [
              "$__all"
            ]
          },
          "options": [],
          "regex": "",
          "includeAll": true,
          "multi": true,
          "allValue": ".+"
        },
        {
          "name": "account",
          "label": "Account",
          "type": "query",
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "definition": "label_values({__name__=~\"trro_up|trro_project_info\",job=~\"$job\",instance=~\"$instance\"}, account)",
          "query": {
            "query": "label_values({__name__=~\"trro_up|trro_project_info\",job=~\"$job\",instance=~\"$instance\"}, account)",
            "refId": "account"
          },
          "refresh": 2,
          "sort": 1,
          "hide": 0,
          "current": {
            "selected": true,
            "text": [
              "All"
            ],
            "value": [
              "$__all"
            ]
          },
          "options": [],
          "regex": "",
          "includeAll": true,
          "multi": true,
          "allValue": ".+"
        },
        {
          "name": "project_id",
          "label": "Project",
          "type": "query",
          "datasource": {
            "type": "prometheus",
            "uid": "${datasource}"
          },
          "definition": "label_values(trro_project_info{job=~\"$job\",instance=~\"$instance\",account=~\"$account\"}, project_id)",
          "query": {
            "query": "label_values(trro_project_info{job=~\"$job\",instance=~\"$instance\",account=~\"$account\"}, project_id)",
            "refId": "project_id"
          },
          "refresh": 2,
          "sort": 1,
          "hide": 0,
          "current": {
            "selected": true,
            "text": [
              "All"
            ],
            "value": [
              "$__all"
            ]
          },
          "options": [],
          "regex": "",
          "includeAll": true,
          "multi": true,
          "allValue": ".+"
        }
      ]
    },
    "panels": [
      {
        "id": 1,
        "type": "stat",
        "title": "Licenses by status",
        "description": "Licenses per status from GetLicenses: unbound, bound, suspended, refunded.",
        "datasource": {
          "type": "prometheus",
          "uid": "${datasource}"
        },
        "gridPos": {
          "h": 5,
          "w": 12,
          "x": 0,
          "y": 0
        },
        "fieldConfig": {
          "defaults": {
            "unit": "short"
          },
          "overrides": []
        },
        "options": {
          "reduceOptions": {
            "calcs": [
              "lastNotNull"
            ],
            "fields": "",
            "values": false
          },
          "colorMode": "value",
          "graphMode": "area",
          "textMode": "auto",
          "justifyMode": "auto",
          "orientation": "auto",
          "wideLayout": true,
          "showPercentChange": false,
          "percentChangeColorMode": "standard"
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "sum by (status) (trro_licenses{job=~\"$job\",instance=~\"$instance\",account=~\"$account\"})",
            "legendFormat": "{{status}}"
          }
        ]
      },
      {
        "id": 2,
        "type": "stat",
        "title": "Account licenses",
        "description": "Account-wide counts from GetLicenseStat: by state (bound, unbound, expired: every license in one of them), then the valid ones (bound and unbound together) and those over their monthly limit.",
        "datasource": {
          "type": "prometheus",
          "uid": "${datasource}"
        },
        "gridPos": {
          "h": 5,
          "w": 12,
          "x": 12,
          "y": 0
        },
        "fieldConfig": {
          "defaults": {
            "unit": "short"
          },
          "overrides": []
        },
        "options": {
          "reduceOptions": {
            "calcs": [
              "lastNotNull"
            ],
            "fields": "",
            "values": false
          },
          "colorMode": "value",
          "graphMode": "area",
          "textMode": "auto",
          "justifyMode": "auto",
          "orientation": "auto",
          "wideLayout": true,
          "showPercentChange": false,
          "percentChangeColorMode": "standard"
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "sum by (state) (trro_account_licenses{job=~\"$job\",instance=~\"$instance\",account=~\"$account\"})",
            "legendFormat": "{{state}}"
          },
          {
            "refId": "B",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "sum(trro_account_valid_licenses{job=~\"$job\",instance=~\"$instance\",account=~\"$account\"})",
            "legendFormat": "valid"
          },
          {
            "refId": "C",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "sum(trro_account_monthly_exceeded_licenses{job=~\"$job\",instance=~\"$instance\",account=~\"$account\"})",
            "legendFormat": "over monthly limit"
          }
        ]
      },
      {
        "id": 3,
        "type": "table",
        "title": "Licenses by days left",
        "description": "Every license with the days left until it expires, soonest first. Red under %(licenseExpiryCriticalDays)d days and orange under %(licenseExpiryWarningDays)d days, as the alerts." % f,
        "datasource": {
          "type": "prometheus",
          "uid": "${datasource}"
        },
        "gridPos": {
          "h": 10,
          "w": 12,
          "x": 0,
          "y": 5
        },
        "fieldConfig": {
          "defaults": {
            "unit": "d",
            "custom": {
              "align": "auto",
              "inspect": false,
              "cellOptions": {
                "type": "auto"
              }
            },
            "thresholds": {
              "mode": "absolute",
              "steps": [
                {
                  "color": "red",
                  "value": null
                },
                {
                  "color": "orange",
                  "value": c.licenseExpiryCriticalDays
                },
                {
                  "color": "green",
                  "value": c.licenseExpiryWarningDays
                }
              ]
            },
            "color": {
              "mode": "thresholds"
            }
          },
          "overrides": []
        },
        "options": {
          "showHeader": true,
          "sortBy": [
            {
              "displayName": "Value",
              "desc": false
            }
          ],
          "cellHeight": "sm",
          "frameIndex": 0,
          "footer": {
            "show": false,
            "reducer": [],
            "countRows": false
          }
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "sort((trro_license_expiry_timestamp_seconds{job=~\"$job\",instance=~\"$instance\",account=~\"$account\"} - time()) / 86400)",
            "legendFormat": "",
            "instant": true,
            "format": "table",
            "range": false
          }
        ],
        "transformations": [
          {
            "id": "organize",
            "options": {
              "excludeByName": {
                "Time": true,
                "__name__": true,
                "job": true,
                "instance": true
              }
            }
          }
        ]
      },
      {
        "id": 4,
        "type": "table",
        "title": "Device authorizations by days left",
        "description": "Every device with the days left on its authorization, soonest first. Red under %(licenseExpiryCriticalDays)d days and orange under %(licenseExpiryWarningDays)d days, as the alerts." % f,
        "datasource": {
          "type": "prometheus",
          "uid": "${datasource}"
        },
        "gridPos": {
          "h": 10,
          "w": 12,
          "x": 12,
          "y": 5
        },
        "fieldConfig": {
          "defaults": {
            "unit": "d",
            "custom": {
              "align": "auto",
              "inspect": false,
              "cellOptions": {
                "type": "auto"
              }
            },
            "thresholds": {
              "mode": "absolute",
              "steps": [
                {
                  "color": "red",
                  "value": null
                },
                {
                  "color": "orange",
                  "value": c.licenseExpiryCriticalDays
                },
                {
                  "color": "green",
                  "value": c.licenseExpiryWarningDays
                }
              ]
            },
            "color": {
              "mode": "thresholds"
            }
          },
          "overrides": []
        },
        "options": {
          "showHeader": true,
          "sortBy": [
            {
              "displayName": "Value",
              "desc": false
            }
          ],
          "cellHeight": "sm",
          "frameIndex": 0,
          "footer": {
            "show": false,
            "reducer": [],
            "countRows": false
          }
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "sort((trro_device_license_expiry_timestamp_seconds{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\"} - time()) / 86400)",
            "legendFormat": "",
            "instant": true,
            "format": "table",
            "range": false
          }
        ],
        "transformations": [
          {
            "id": "organize",
            "options": {
              "excludeByName": {
                "Time": true,
                "__name__": true,
                "job": true,
                "instance": true
              }
            }
          }
        ]
      },
      {
        "id": 5,
        "type": "bargauge",
        "title": "Monthly usage against limit",
        "description": "Share of each device's monthly usage limit already used; red from %(monthlyUsageWarningPercent)d%%, as the alert." % f,
        "datasource": {
          "type": "prometheus",
          "uid": "${datasource}"
        },
        "gridPos": {
          "h": 10,
          "w": 12,
          "x": 0,
          "y": 15
        },
        "fieldConfig": {
          "defaults": {
            "unit": "percentunit",
            "min": 0,
            "max": 1,
            "thresholds": {
              "mode": "absolute",
              "steps": [
                {
                  "color": "green",
                  "value": null
                },
                {
                  "color": "orange",
                  "value": 0.75
                },
                {
                  "color": "red",
                  "value": c.monthlyUsageWarningRatio
                }
              ]
            }
          },
          "overrides": []
        },
        "options": {
          "displayMode": "gradient",
          "orientation": "horizontal",
          "reduceOptions": {
            "calcs": [
              "lastNotNull"
            ],
            "fields": "",
            "values": false
          },
          "valueMode": "color",
          "namePlacement": "auto",
          "showUnfilled": true,
          "sizing": "auto",
          "minVizWidth": 8,
          "minVizHeight": 16,
          "maxVizHeight": 300,
          "legend": {
            "displayMode": "list",
            "placement": "bottom",
            "showLegend": false,
            "calcs": []
          }
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "1 - trro_device_monthly_remaining_seconds{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\"} / (trro_device_monthly_limit_seconds{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",project_id=~\"$project_id\"} > 0)",
            "legendFormat": "{{project_id}} {{device_id}}"
          }
        ]
      },
      {
        "id": 6,
        "type": "timeseries",
        "title": "Bound licenses expiring within %(licenseExpiryWarningDays)d days" % f,
        "description": "How many bound licenses expire within %(licenseExpiryWarningDays)d and within %(licenseExpiryCriticalDays)d days, over time." % f,
        "datasource": {
          "type": "prometheus",
          "uid": "${datasource}"
        },
        "gridPos": {
          "h": 10,
          "w": 12,
          "x": 12,
          "y": 15
        },
        "fieldConfig": {
          "defaults": {
            "unit": "short"
          },
          "overrides": []
        },
        "options": {
          "legend": {
            "displayMode": "list",
            "placement": "bottom",
            "showLegend": true,
            "calcs": []
          },
          "tooltip": {
            "mode": "multi",
            "sort": "none"
          }
        },
        "targets": [
          {
            "refId": "A",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "sum(trro_license_expiry_timestamp_seconds{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",status=\"bound\"} - time() < bool %(licenseExpiryWarningDays)d * 86400)" % f,
            "legendFormat": "within %(licenseExpiryWarningDays)d days" % f
          },
          {
            "refId": "B",
            "datasource": {
              "type": "prometheus",
              "uid": "${datasource}"
            },
            "expr": "sum(trro_license_expiry_timestamp_seconds{job=~\"$job\",instance=~\"$instance\",account=~\"$account\",status=\"bound\"} - time() < bool %(licenseExpiryCriticalDays)d * 86400)" % f,
            "legendFormat": "within %(licenseExpiryCriticalDays)d days" % f
          }
        ]
      }
    ]
  }
