print("mailgateway")
