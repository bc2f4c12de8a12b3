{
  "targets": [
    {
      "target_name": "deskgate_shm_map",
      "sources": ["src/shm_map.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-std=c11", "-O2", "-Wall", "-Wextra"],
      "conditions": [
        ["OS=='win'", { "type": "none", "sources!": ["src/shm_map.c"] }]
      ]
    }
  ]
}
