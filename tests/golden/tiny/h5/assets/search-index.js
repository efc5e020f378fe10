window.mpgenSearchIndex = [["latte","拿铁 咖啡","拿铁","¥19.90",0],["americano","美式 咖啡","美式","¥15.00",0]];
